; Included by electron-builder's NSIS installer (electron-builder.yml, nsis.include).
;
; Installed for everyone on this computer (elevated), the installer adds an inbound Windows
; Firewall rule for Tincan on Private and Domain networks, so people on the network can join
; without anyone answering Windows' firewall question. Public networks (cafés, airports) stay
; closed. The rule is by program, so it covers the room's TCP port, the UDP beacon and mDNS
; (5353/udp) alike. Installed just for the current user the installer has no rights to add a
; rule: Windows asks the first time Tincan hosts instead.

!define TINCAN_FIREWALL_RULE "Tincan"

; $0 is saved and restored: the installer's own code around these macros may use it.
!macro tincanRemoveFirewallRule
  Push $0
  nsExec::Exec '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${TINCAN_FIREWALL_RULE}" dir=in program="$INSTDIR\${APP_EXECUTABLE_FILENAME}"'
  Pop $0
  Pop $0
!macroend

!macro customInstall
  ${if} $installMode == "all"
    ; An update installs over the old version: remove its rule first so there is one, not two.
    !insertmacro tincanRemoveFirewallRule
    Push $0
    nsExec::Exec '"$SYSDIR\netsh.exe" advfirewall firewall add rule name="${TINCAN_FIREWALL_RULE}" dir=in action=allow enable=yes profile=private,domain program="$INSTDIR\${APP_EXECUTABLE_FILENAME}" description="Lets people on your network join Tincan chat rooms."'
    Pop $0
    ${if} $0 != 0
      DetailPrint "Could not add the Windows Firewall rule for Tincan ($0); Windows will ask the first time Tincan hosts."
    ${endif}
    Pop $0
  ${endif}
!macroend

!macro customUnInstall
  ${if} $installMode == "all"
    !insertmacro tincanRemoveFirewallRule
  ${endif}
!macroend
