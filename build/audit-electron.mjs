// Electron security audit: runs electronegativity over the whole project (sources, built
// dist/ if present, package.json) and fails on any finding at MEDIUM or above that is not in
// the reviewed list below. The full CSV is kept in test-results/electronegativity.csv.
//
//   npm run audit:electron
//   node build/audit-electron.mjs [DIRECTORY]   (another tree; the tests audit a deliberately insecure one)
//
// (Lives in build/, electron-builder's resources folder, which is never packaged into the app.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inputDirectory = path.resolve(process.argv[2] ?? projectDirectory);
const csvFile = path.join(projectDirectory, 'test-results', inputDirectory === projectDirectory ? 'electronegativity.csv' : 'electronegativity-other.csv');

/**
 * Findings a person has looked at. Each names the check, the files it may appear in and why
 * it is acceptable; anything else at MEDIUM or above fails the audit.
 */
const REVIEWED = [
  {
    check: 'AUXCLICK_JS_CHECK',
    file: /^(main\/electron\/window\.ts|dist\/main\/index\.js)$/,
    why: "Asks for disableBlinkFeatures: 'Auxclick', which is not a Blink runtime feature in Electron 45's Chromium (the switch does nothing). A middle click that would open a window is denied by the window-open handler (main/electron/security.ts), and navigation is blocked.",
  },
  {
    check: 'PRELOAD_JS_CHECK',
    file: /^(main\/electron\/window\.ts|dist\/main\/index\.js)$/,
    why: 'The one preload is needed for the bridge. It exposes only the TincanBridge functions, each invoking one fixed channel (preload/bridge.ts), never ipcRenderer; the window is sandboxed with contextIsolation.',
  },
  {
    check: 'OPEN_EXTERNAL_JS_CHECK',
    file: /^(main\/electron\/ipc\.ts|dist\/main\/index\.js)$/,
    why: 'The URL comes from the renderer but passes validateOpenLink first: http/https only, at most 2,048 characters, no control characters (test/common/validate.test.ts).',
  },
];

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, line breaks inside quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field.trim());
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field.trim());
      if (row.some((cell) => cell.length > 0)) rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  row.push(field.trim());
  if (row.some((cell) => cell.length > 0)) rows.push(row);
  return rows;
}

mkdirSync(path.dirname(csvFile), { recursive: true });
const cli = path.join(projectDirectory, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
const offline = path.join(projectDirectory, 'build', 'electronegativity-offline.mjs');
const run = spawnSync(process.execPath, ['--import', pathToFileURL(offline).href, cli, '-i', inputDirectory, '-r', '-v', 'false', '-o', csvFile], {
  cwd: projectDirectory,
  encoding: 'utf8',
});
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr);
  console.error(`electronegativity failed (exit ${run.status ?? run.signal}).`);
  process.exit(2);
}

// electronegativity writes one finding a line but does not always quote what it quotes (a
// long CSP sample can leave a stray fragment line), so each line is read on its own and
// only lines that start with a check name count as findings.
const lines = readFileSync(csvFile, 'utf8').split(/\r?\n/);
const header = parseCsv(lines[0] ?? '')[0] ?? [];
const rows = lines
  .slice(1)
  .filter((line) => /^[A-Z_]+_CHECK,/.test(line))
  .map((line) => parseCsv(line)[0] ?? []);
const column = (name) => header.indexOf(name);
const [checkAt, severityAt, fileAt, locationAt, sampleAt] = ['issue', 'severity', 'filename', 'location', 'sample'].map(column);
const findings = rows.map((row) => ({
  check: row[checkAt],
  severity: row[severityAt],
  file: (row[fileAt] ?? '').split(path.sep).join('/'),
  location: row[locationAt],
  sample: row[sampleAt] ?? '',
}));
const SERIOUS = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);
const unreviewed = [];
for (const finding of findings) {
  if (!SERIOUS.has(finding.severity.toUpperCase())) {
    console.log(`minor     ${finding.severity.padEnd(6)} ${finding.check} ${finding.file}:${finding.location}`);
    continue;
  }
  const review = REVIEWED.find(
    (entry) => entry.check === finding.check && entry.file.test(finding.file) && (!entry.sample || entry.sample.test(finding.sample)),
  );
  const where = `${finding.file}:${finding.location}`;
  if (review) console.log(`reviewed  ${finding.severity.padEnd(6)} ${finding.check} ${where}\n          ${review.why}`);
  else unreviewed.push(finding);
}
for (const finding of unreviewed) {
  console.log(`FINDING   ${finding.severity.padEnd(6)} ${finding.check} ${finding.file}:${finding.location}\n          ${finding.sample}`);
}
const serious = findings.filter((finding) => SERIOUS.has(finding.severity.toUpperCase())).length;
console.log(`\n${findings.length} finding(s), ${serious} at MEDIUM or above, ${unreviewed.length} of those not reviewed. Full list: ${path.relative(projectDirectory, csvFile)}`);
process.exit(unreviewed.length === 0 ? 0 : 1);
