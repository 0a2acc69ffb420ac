// The few web platform globals that exist in both places main/common runs: the renderer
// (Chromium) and the main process (Node). Declared here, for the main/common project only,
// so pure code may use them while `window`, `document`, `Buffer` or `process` stay errors.
// Only the members this code needs; both runtimes implement the full WHATWG interfaces.

declare class URL {
  constructor(url: string, base?: string);
  href: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
}
