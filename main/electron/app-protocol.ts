/**
 * The renderer is served from a privileged custom scheme, `app://tincan/…`, instead of
 * `file://`: the page gets a real origin of its own (its CSP's 'self', the IPC sender check
 * and permission checks all compare it), and file:// keeps none of its extra privileges
 * (the GrantFileProtocolExtraPrivileges fuse is off in electron-builder.yml).
 *
 * The handler serves files under one folder (dist/renderer) and nothing else: no path
 * traversal (`..`, encoded or not, backslashes, NUL), no symlink out of the folder, only the
 * file types the build produces, each with its MIME type, GET and HEAD only.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CustomScheme } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tincan';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const RENDERER_URL = `${APP_ORIGIN}/index.html`;

/**
 * Registered before the app is ready. standard: relative URLs and a real origin; secure: a
 * secure context, like https; corsEnabled: module scripts (vite marks them `crossorigin`)
 * load from a custom scheme only with it, and all it could let another origin read is the
 * app's own bundle; supportFetchAPI: fetch works as on the web. No service workers, no CSP
 * bypass, no stream or code-cache privileges.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
};

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

export type ProtocolHandler = (request: Request) => Promise<Response>;

function refuse(status: number): Response {
  return new Response(null, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** `true` when `file` is `directory` itself or inside it. */
function isInside(directory: string, file: string): boolean {
  const relative = path.relative(directory, file);
  return relative.length > 0 && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * The file under `root` that `url` names, or a status to answer with instead: 404 for
 * anything that is not a plain path to a known kind of file inside `root`.
 */
export function resolveAppPath(root: string, url: string): string | number {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 400;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return 404;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return 400; // malformed %-encoding
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  // The URL parser resolved `..` already; what is left that could climb out is encoded or odd.
  if (pathname.includes('\0') || pathname.includes('\\') || pathname.split('/').some((part) => part === '..')) return 404;
  const file = path.resolve(root, `.${pathname}`);
  if (!isInside(root, file)) return 404;
  if (!Object.hasOwn(MIME_TYPES, path.extname(file).toLowerCase())) return 404;
  return file;
}

/** The app:// handler for files under `rendererDirectory`. */
export function createAppProtocolHandler(rendererDirectory: string): ProtocolHandler {
  const root = path.resolve(rendererDirectory);
  let realRoot: Promise<string> | null = null;
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
    const file = resolveAppPath(root, request.url);
    if (typeof file === 'number') return refuse(file);
    try {
      // A symlink inside the folder must not lead out of it.
      realRoot ??= fs.realpath(root);
      const real = await fs.realpath(file);
      if (!isInside(await realRoot, real)) return refuse(404);
      const stat = await fs.stat(real);
      if (!stat.isFile()) return refuse(404);
      const headers = {
        'content-type': MIME_TYPES[path.extname(file).toLowerCase()]!,
        'content-length': String(stat.size),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      };
      if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
      return new Response(await fs.readFile(real), { status: 200, headers });
    } catch {
      return refuse(404);
    }
  };
}
