// The browser harness of the web tests: Debian's Chromium driven by playwright-core
// (no browser of Playwright's own is downloaded), on the playground's static server.
//
//   import { withPage, screenshot } from './web/browser.mjs';
//   await withPage(async ({ page, url, errors, browser }) => {
//     ...
//     assert.deepEqual(errors, []);
//   }, { viewport: { width: 1280, height: 800 }, path: '/' });
//
// withPage starts the server (scripts/serve.mjs) on a free port, opens url + path in a
// fresh browser context and calls fn. `errors` collects, as strings, everything that
// went wrong in the page from its first request on: console errors (workers' included),
// uncaught exceptions, failed requests (not those the page cancelled) and HTTP
// responses >= 400 (a missing favicon too). The server and the context are closed whatever fn does; the browser is
// launched once per test file and closed after its last test.
//
// `path: null` opens nothing, for a test that opens a page of its own (a file:// one).
// `mounts` serves more of the repo on the server's origin, for test pages the server
// does not know ({ '/tests/web/fixtures/': 'tests/web/fixtures' }): the page's own
// requests under such a prefix are answered from that folder (a Worker's are not).
import { after } from 'node:test';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';

let launching = null; // the browser of this test file, once asked for

async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run \`npm run setup\` (installs Debian's chromium)`);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed: run `npm run setup`');
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true, // Chromium's own headless mode; Playwright also adds --no-sandbox
    args: [
      '--disable-gpu',
      // No traffic of the browser's own: component updates, sync, safe browsing lists.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

async function getBrowser() {
  let browser = launching && (await launching.catch(() => null));
  if (!browser || !browser.isConnected()) {
    launching = launch();
    browser = await launching;
  }
  return browser;
}

after(async () => {
  const browser = launching && (await launching.catch(() => null));
  await browser?.close();
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript' };

// Answers the page's requests under url + prefix from the repo folder `dir`.
async function mount(page, url, prefix, dir) {
  const base = new URL(prefix, url);
  await page.route((u) => u.href.startsWith(base.href), (route) => {
    const file = path.resolve(root, dir, decodeURIComponent(new URL(route.request().url()).pathname.slice(base.pathname.length)));
    if (!file.startsWith(path.resolve(root, dir) + path.sep) || !existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ body: readFileSync(file), contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' });
  });
}

export async function withPage(fn, { viewport = { width: 1280, height: 800 }, path: at = '/', mounts = {} } = {}) {
  const browser = await getBrowser();
  const server = await startServer({ port: 0 });
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    for (const [prefix, dir] of Object.entries(mounts)) await mount(page, server.url, prefix, dir);
    const errors = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const { url, lineNumber } = msg.location();
        errors.push(`console error: ${msg.text()}${url ? ` (${url}:${lineNumber + 1})` : ''}`);
      }
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.stack || e.message}`));
    page.on('requestfailed', (req) => {
      // Not net::ERR_ABORTED: cancelled by the page, or by leaving it for another (a
      // refused request is reported by its status below).
      const why = req.failure()?.errorText;
      if (why !== 'net::ERR_ABORTED') errors.push(`request failed: ${req.url()} (${why})`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    if (at !== null) await page.goto(new URL(at, server.url).href);
    return await fn({ page, url: server.url, errors, browser });
  } finally {
    await context.close();
    await server.close();
  }
}

// Saves the whole page as tests/artifacts/<name>.png (not in git) and returns the path.
export async function screenshot(page, name) {
  const dir = path.join(root, 'tests/artifacts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
