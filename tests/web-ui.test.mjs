// The playground (web/) in Debian's Chromium (tests/web/browser.mjs): every example
// prints what CPython printed, real and virtual time keep their clocks, Step and Step
// back move one stop, a link reopens the same moment, Stop ends a run, the keyboard and
// a phone-sized screen work, and nothing logs an error. Screenshots of each example's
// finished view go to tests/artifacts/ (desktop 1280x800 and phone 360x740).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildExamples, bundleSingleFile, mapLines, singleFile } from '../scripts/build-web.mjs';
import { startServer } from '../scripts/serve.mjs';
import { withPage } from './web/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (id) => readFileSync(path.join(root, 'tests/fixtures/examples', `${id}.out`), 'utf8');
let examples;

before(() => {
  assert.ok(existsSync(path.join(root, 'wasm/dist/playground.wasm')), 'wasm/dist/playground.wasm missing: run npm run build');
  examples = buildExamples();
});

// ---- in the page ----

const status = (page) => page.textContent('#status');
// The page's runtime Worker has loaded the module (a navigation before would abort it).
const runtimeReady = (page) => page.waitForSelector('#runtime[data-ready]', { state: 'attached' });
const waitStatus = (page, want, timeout = 20_000) =>
  page.waitForFunction((s) => document.querySelector('#status').textContent === s, want, { timeout });
// The output as printed: each line element's text and its newline.
const output = (page) => page.$$eval('#output .line', (lines) => lines.map((l) => `${l.textContent}\n`).join(''));
const genRows = (page) => page.$$eval('#state [data-gen-id]', (rows) => rows.map((r) => ({
  id: r.dataset.genId, state: r.dataset.state, sent: r.cells[2].textContent, yielded: r.cells[3].textContent,
})));
const highlighted = (page) => page.evaluate(() => ({
  py: document.querySelector('#py .hl')?.dataset.line ?? null,
  c: document.querySelector('#c .hl')?.dataset.line ?? null,
}));

async function shoot(page, name) {
  const dir = path.join(root, 'tests/artifacts');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

// 08's servers are Web Workers in real time: --scale shortens every sleep, with half a
// round of slack for a Worker's start-up (examples/subprocess.h).
const SUBP_SCALE = '0.25';

async function runToEnd(page, ex) {
  await page.click(`[data-example="${ex.id}"]`);
  await page.selectOption('#speed', ex.clocks.includes('virtual') ? 'virtual' : 'real');
  if (ex.workers) {
    await page.fill('input[name="scale"]', SUBP_SCALE);
  }
  await page.click('#run');
  await waitStatus(page, 'finished');
}

for (const [device, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 360, height: 740 }]]) {
  test(`playground (${device}): every example prints what CPython printed; screenshots`, async () => {
    await withPage(async ({ page, errors }) => {
      for (const ex of examples) {
        await runToEnd(page, ex);
        assert.equal(await output(page), fixture(ex.id), ex.id);
        await shoot(page, `web-${ex.id}-${device}`);
      }
      if (device === 'phone') {
        // Every pane keeps a readable width, and nothing makes the page scroll sideways.
        for (const id of ['py', 'c', 'output', 'state', 'bench']) {
          const box = await page.locator(`#${id}`).boundingBox();
          assert.ok(box.width >= 300, `#${id} is ${box.width}px wide at 360px`);
        }
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the page scrolls sideways');
      }
      assert.deepEqual(errors, []);
    }, { viewport });
  });
}

test('playground: 01 and 02 show the SyntaxError CPython reports for the document\'s line', async () => {
  await withPage(async ({ page, errors }) => {
    for (const id of ['01_yrange', '02_yrange_global']) {
      await page.click(`[data-example="${id}"]`);
      const shown = await page.textContent('#py-error pre');
      assert.equal(shown, examples.find((e) => e.id === id).python.syntaxError);
      assert.match(shown, new RegExp(`^  File "${id}\\.py", line \\d+\\n    if __name__ = "__main__":\\n`));
      assert.match(shown, /SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='\?$/);
    }
    assert.deepEqual(errors, []);
  });
});

test('playground: 07 in real time prints at 0, 1, 2 and 3 s and the page stays responsive', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="07_factorial_asyncio"]');
    await page.selectOption('#speed', 'real');
    await runtimeReady(page); // the first line must not wait for the module's compilation
    await page.evaluate(() => {
      window.seen = [];
      window.longTasks = [];
      new MutationObserver(() => {
        for (let k = window.seen.length; k < document.querySelectorAll('#output .line').length; k++) window.seen.push(performance.now());
      }).observe(document.querySelector('#output'), { childList: true });
      new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration)))
        .observe({ type: 'longtask' });
      document.querySelector('#run').addEventListener('click', () => { window.clicked = performance.now(); });
      // How long a click waits for the main thread: its handler's start - the event's creation.
      document.addEventListener('click', (e) => { window.clickDelay = performance.now() - e.timeStamp; });
    });
    await page.click('#run');
    await page.waitForTimeout(1500);
    await page.click('#title');
    const clickDelay = await page.evaluate(() => window.clickDelay);
    await waitStatus(page, 'finished', 10_000);
    assert.equal(await output(page), fixture('07_factorial_asyncio'));
    const { seen, clicked, longTasks } = await page.evaluate(() => ({
      seen: window.seen, clicked: window.clicked, longTasks: window.longTasks,
    }));
    const marks = [0, 0, 0, 1, 1, 1, 2, 2, 3];
    seen.forEach((at, k) => {
      const late = at - clicked - marks[k] * 1000;
      assert.ok(late >= 0 && late <= 250, `line ${k + 1} appeared ${late.toFixed(0)} ms after its ${marks[k]} s mark`);
    });
    assert.ok(clickDelay < 100, `a click waited ${clickDelay.toFixed(0)} ms`);
    assert.deepEqual(longTasks, []);
    assert.deepEqual(errors, []);
  });
});

test('playground: 07 on the virtual clock finishes at once, its lines stamped 0/1000/2000/3000', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="07_factorial_asyncio"]');
    await page.selectOption('#speed', 'virtual');
    await runtimeReady(page);
    const t0 = Date.now();
    await page.click('#run');
    await waitStatus(page, 'finished', 5000);
    const took = Date.now() - t0;
    assert.ok(took < 1000, `took ${took} ms`);
    assert.equal(await output(page), fixture('07_factorial_asyncio'));
    const stamps = await page.$$eval('#output .line', (lines) => lines.map((l) => l.dataset.t));
    assert.deepEqual(stamps, ['0', '0', '0', '1000', '1000', '1000', '2000', '2000', '3000']);
    // The state panel shows the loop: its clock, its tasks, its iterations.
    assert.match(await page.textContent('#state'), /loop clock 3000 ms/);
    assert.equal(await page.locator('#state [data-task-id]').count(), 4);
    assert.deepEqual(errors, []);
  });
});

test('playground: Step on 03 advances one resume, Step back restores it, and a link reopens it', async () => {
  let link;
  let view;
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="03_jumping_range"]');
    await page.selectOption('#speed', 'virtual');
    await page.selectOption('#gran', 'yield');
    await page.click('#step'); // runs, stops at the first yield
    await waitStatus(page, 'paused');
    assert.deepEqual(await genRows(page), [{ id: '1', state: 'GEN_SUSPENDED', sent: 'None', yielded: '0' }]);
    assert.equal(await output(page), '');
    // jump = yield index: line 13 of the Python, its C port's yl_yield.
    const first = await highlighted(page);
    assert.equal(first.py, '13');
    assert.match(examples[2].c.source.split('\n')[Number(first.c) - 1], /jump = yield index/);

    await page.click('#step'); // print(next(iterator)), print(step), iterator.send(2): one resume
    assert.deepEqual(await genRows(page), [{ id: '1', state: 'GEN_SUSPENDED', sent: '2', yielded: '2' }]);
    assert.equal(await output(page), '0\nstep is None\n');

    await page.click('#back');
    assert.deepEqual(await genRows(page), [{ id: '1', state: 'GEN_SUSPENDED', sent: 'None', yielded: '0' }]);
    assert.equal(await output(page), '');
    assert.deepEqual(await highlighted(page), first);

    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight'); // next(iterator): yields 3
    assert.deepEqual(await genRows(page), [{ id: '1', state: 'GEN_SUSPENDED', sent: 'None', yielded: '3' }]);
    // The URL follows the cursor (shown as "event N of M"; step is N - 1).
    await page.waitForFunction(() => new URLSearchParams(location.search).get('step') ===
      String(Number(document.querySelector('#position').textContent.match(/event (\d+)/)[1]) - 1));
    link = page.url();
    view = { gens: await genRows(page), out: await output(page), hl: await highlighted(page), state: await page.innerHTML('#state') };
    assert.deepEqual(errors, []);
  });
  const q = new URL(link).searchParams;
  assert.equal(q.get('ex'), '03_jumping_range');
  assert.equal(q.get('speed'), 'virtual');
  assert.equal(q.get('gran'), 'yield');
  await withPage(async ({ page, errors }) => {
    await waitStatus(page, 'paused');
    assert.deepEqual(await genRows(page), view.gens);
    assert.equal(await output(page), view.out);
    assert.deepEqual(await highlighted(page), view.hl);
    assert.equal(await page.innerHTML('#state'), view.state);
    assert.deepEqual(errors, []);
  }, { path: `/${new URL(link).search}` });
});

test('playground: parameters reach the program (03 --sends, 07 --inputs and --sleep)', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="03_jumping_range"]');
    await page.fill('input[name="sends"]', '1,1');
    await page.click('#run');
    await waitStatus(page, 'finished');
    assert.equal(await output(page), '0\nstep is None\n1\nstep is 1\n2\nstep is 1\n3\nstep is 1\n4\n0\n1\n');
    await page.click('[data-example="07_factorial_asyncio"]');
    await page.selectOption('#speed', 'virtual');
    await page.fill('input[name="inputs"]', '1,2,5');
    await page.fill('input[name="sleep"]', '2');
    await page.click('#run');
    await waitStatus(page, 'finished');
    const lines = await page.$$eval('#output .line', (ls) => ls.map((l) => [l.textContent, l.dataset.t]));
    assert.deepEqual(lines.at(-1), ['Task C: factorial(5) = 120', '8000']);
    assert.ok(lines.some(([text]) => text === 'Task A: factorial(1) = 1'));
    // The link keeps the parameters (the URL follows the view a moment later).
    await page.waitForFunction(() => new URLSearchParams(location.search).get('inputs') === '1,2,5');
    assert.deepEqual(errors, []);
  });
});

test('playground: Stop ends a running example at once', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="07_factorial_asyncio"]');
    await page.selectOption('#speed', 'real');
    await page.click('#run');
    await page.waitForSelector('#output .line');
    await page.click('#stop');
    assert.equal(await status(page), 'stopped');
    const lines = await output(page);
    await page.waitForTimeout(1500); // past the 1 s mark: nothing more comes
    assert.equal(await output(page), lines);
    assert.equal(await status(page), 'stopped');
    // and the next run works
    await page.selectOption('#speed', 'virtual');
    await page.click('#run');
    await waitStatus(page, 'finished');
    assert.equal(await output(page), fixture('07_factorial_asyncio'));
    assert.deepEqual(errors, []);
  });
});

test('playground: Stop on 08 in real time ends its server Workers too', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('[data-example="08_client_subp"]');
    await page.selectOption('#speed', 'real');
    await page.click('#run');
    await page.waitForFunction(() => [...document.querySelectorAll('#output .line')]
      .some((l) => l.textContent.startsWith('still working')), null, { timeout: 20_000 });
    const servers = () => page.workers().filter((w) => w.url().startsWith('blob:')).length;
    assert.equal(servers(), 2); // the runtime's Worker started them: a blob: script each
    await page.click('#stop');
    assert.equal(await status(page), 'stopped');
    for (let t = 0; servers() > 0 && t < 50; t++) await page.waitForTimeout(20);
    assert.equal(servers(), 0);
    assert.deepEqual(errors, []);
  });
});

test('playground: the keyboard reaches Run, Enter starts it, Space pauses and resumes', async () => {
  await withPage(async ({ page, errors }) => {
    await page.waitForSelector('#run:not([disabled])'); // the page's module has set it up
    let reached = false;
    for (let k = 0; k < 40 && !reached; k++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'run');
    }
    assert.ok(reached, 'Tab never reached #run');
    await page.keyboard.press('Enter');
    await waitStatus(page, 'finished'); // 01, at once
    assert.equal(await output(page), fixture('01_yrange'));
    await page.click('[data-example="07_factorial_asyncio"]');
    await page.selectOption('#speed', 'real');
    await page.click('#run');
    await page.keyboard.press('Space');
    assert.equal(await status(page), 'paused');
    await page.keyboard.press('Space');
    assert.equal(await status(page), 'running');
    await page.click('#stop');
    assert.deepEqual(errors, []);
  });
});

test('playground: light and dark themes', async () => {
  await withPage(async ({ page, errors }) => {
    await page.waitForSelector('[data-example]'); // the page's module has run
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const before = await theme();
    await page.click('#theme');
    assert.notEqual(await theme(), before);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.click('#theme');
    assert.equal(await theme(), before);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), bg);
    assert.deepEqual(errors, []);
  });
  for (const scheme of ['light', 'dark']) {
    await withPage(async ({ page, errors }) => {
      await runtimeReady(page);
      await page.emulateMedia({ colorScheme: scheme });
      await page.reload();
      await runtimeReady(page);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), scheme);
      await page.click('[data-example="05_pipeline_yield_from"]');
      await page.click('#step');
      await page.click('#step');
      await waitStatus(page, 'paused');
      await shoot(page, `web-theme-${scheme}`);
      assert.deepEqual(errors, []);
    });
  }
});

test('playground: the benchmark runs in the browser', async () => {
  await withPage(async ({ page, errors }) => {
    await page.click('#bench-run');
    await page.waitForFunction(() => !document.querySelector('#bench-run').disabled, null, { timeout: 60_000 });
    const cells = await page.$$eval('#bench tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells.length, 3);
    for (const cell of cells) assert.ok(Number(cell) > 0, `not a time: ${cell}`);
    assert.deepEqual(errors, []);
  });
});

// The single file's Worker hands wasm/yieldloop.mjs the inlined glue and .wasm:
// load({ factory, wasm }).
test('playground: the single-file build opens from file:// and runs', async () => {
  bundleSingleFile(examples, singleFile);
  await withPage(async ({ page, errors }) => {
    await page.waitForLoadState('networkidle'); // the served page, opened first, is done loading
    await page.goto(pathToFileURL(singleFile).href);
    await page.click('[data-example="03_jumping_range"]');
    await page.click('#run');
    await waitStatus(page, 'finished');
    assert.equal(await output(page), fixture('03_jumping_range'));
    assert.deepEqual(errors, []);
  });
});

// ---- the server and the build, without a browser ----

function get(url, rawPath) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    http.get({ hostname, port, path: rawPath }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] }));
    }).on('error', reject);
  });
}

test('serve.mjs: types, 404s, no way out of its folders', async () => {
  const { url, close } = await startServer({ port: 0 });
  try {
    assert.deepEqual(await get(url, '/wasm/dist/playground.wasm'), { status: 200, type: 'application/wasm' });
    assert.match((await get(url, '/wasm/yieldloop.mjs')).type, /^text\/javascript/);
    assert.match((await get(url, '/app.js')).type, /^text\/javascript/);
    assert.match((await get(url, '/')).type, /^text\/html/);
    assert.ok([200, 204].includes((await get(url, '/bench/results.json')).status));
    for (const p of ['/nope.js', '/../package.json', '/wasm/../package.json', '/%2e%2e/package.json',
      '/wasm/%2e%2e/package.json', '/wasm/..%2f..%2fpackage.json', '/gen/', '/%00']) {
      assert.equal((await get(url, p)).status, 404, p);
    }
  } finally {
    await close();
  }
});

test('build-web: each C line maps to the Python line it ports', () => {
  const ex = (id) => examples.find((e) => e.id === id);
  const at = (id, cText) => {
    const { c, lines } = ex(id);
    const k = c.source.split('\n').findIndex((l) => l.includes(cText));
    assert.ok(k >= 0, `${id}: no C line with ${cText}`);
    return lines[k].py;
  };
  assert.deepEqual(at('03_jumping_range', 'yl_yield(g, yl_int(index), &jump)'), [13]);
  assert.deepEqual(at('03_jumping_range', 'printf("step is %s\\n", buf)'), [23, 25, 27, 29]); // print_step
  assert.deepEqual(at('04_pipeline', 'while (1) { /* while True: */'), [5]); // writer's, not filter's
  assert.deepEqual(at('08_client_subp', 'process_t *process = popen_server'), [7]); // `...` in the quote
  // The mapping is only as good as the quotes: every Python line that runs is quoted.
  const py = `def f(x):\n    y = x  # copy\n    return y\n`;
  const c = `int f(int x) { /* def f(x): */\n  int y = x; /* y = x */\n  return y; /* return y -- done */\n}`;
  assert.deepEqual(mapLines(py, c).map((l) => l?.py), [[1], [2], [3], []]);
});
