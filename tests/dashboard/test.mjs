// The dashboard end to end: a database seeded with four months of known consultations
// (tests/dashboard/seed.sql), the real farmline serving it on loopback, and Debian's Chromium
// (driven by playwright-core, never Playwright's own browser download) signing in through the
// login form and reading back what each chart drew: Chart.getChart(id).data must hold the
// figures worked out by hand from the seed (EXPECTED below), on a desktop and a phone screen.
//
//   node tests/dashboard/test.mjs      (tests/dashboard/run.sh, make test-dashboard)
//   FARMLINE_BIN=build-san/farmline  CHROMIUM=/usr/bin/chromium  KEEP=1 (keep the temp folder)
//
// Writes docs/dashboard.png (desktop) and tests/dashboard/out/phone.png. Everything it starts
// (farmline, two Chromiums) it stops; it stops by itself after LIMIT seconds whatever happens.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(ROOT);	// farmline reads config/ from the top of the tree

const BIN = process.env.FARMLINE_BIN || 'build/farmline';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LIMIT = Number(process.env.DASHBOARD_TEST_LIMIT || 180);	// seconds, the whole test
const WAIT = 20000;						// ms, the longest wait for one thing
const TZ = 'Asia/Shanghai';					// farmline's default [general] timezone
const TOKEN = randomBytes(12).toString('hex');
const INBOUND_TOKEN = randomBytes(12).toString('hex');	// [http] inbound_token
const SCREENSHOT = 'docs/dashboard.png';
const PHONE_SCREENSHOT = 'tests/dashboard/out/phone.png';

// ---- what the seed must give, worked out by hand from the table in seed.sql ----------------
//
// Period 2025-03-01 … 2025-06-30: tickets 1–20 (21 is in February, 22 in July).
// Open (never answered): #5, #9, #14, #18. Answered: the other 16.
// Seconds to the first answer, sorted:
//   1200 1800 2700 3000 3600 | 5400 5400 | 9000 10800 | 18000 21600 25200 | 36000 43200 |
//   93600 | 345600
//   median = (9000 + 10800) / 2 = 9900 s = 2小时45分
//   90th percentile, nearest rank ceil(0.9 × 16) = 15th = 93600 s = 1天2小时
// Ratings: #12 → 1; #7 → 2; #3, #10 → 3; #2, #6, #15, #19 → 4; #1, #4, #11, #16, #17 → 5
//   13 rated, 9 of them 4–5: 9 / 13 = 69.2% satisfied; mean 50 / 13 = 3.85
// Backlog at the end of the period (2025-07-01 00:00): #5 asked 03-27 16:00 → 95天8小时,
//   #9 04-18 10:00 → 73天14小时, #14 05-20 17:00 → 41天7小时, #18 06-15 14:00 → 15天10小时.
// Experts (appraisal defaults: 优秀 ≥90% answered, median ≤4h, rating ≥4.5; 合格 ≥60%, ≤1d, ≥3):
//   王建国 6 assigned, 6 answered (1200 1800 2700 3600 5400 9000: median 3150 s = 52分30秒),
//          ratings 5 5 4 5 4 5 = 4.67 → 优秀
//   李秀英 5 assigned (#2 #7 #10 #13 #18), 3 answered (21600 25200 36000: median 7小时),
//          #7 passed to 刘芳, ratings 4 3 = 3.50, 60.0% → 合格
//   张伟   6 assigned (#3 #5 #9 #12 #14 #19), 3 answered, 50.0% → 不合格
//   刘芳   3 assigned (#7 from the pass, #8, #16), 3 answered (10800 10800 3000: median 3小时),
//          ratings 2 5 = 3.50 → 合格 (not 优秀: rating under 4.5)
//   孙丽   nothing assigned in the period → no grade (—)
const EXPECTED = {
	from: '2025-03-01',
	to: '2025-06-30',
	volume: {	// by month, as the period is four months long
		labels: ['2025-03', '2025-04', '2025-05', '2025-06'],
		asked: [5, 6, 4, 5],		// #1–5, #6–11, #12–15, #16–20
		answered: [4, 5, 3, 4]		// less #5, #9, #14, #18
	},
	category: { 家禽: 6, 畜牧: 5, 蔬菜: 4, 水产: 2, 果树茶叶: 2, 人工分诊: 1 },
	categoryFirst: ['家禽', '畜牧', '蔬菜'],	// largest first
	township: { 六郎镇: 7, 舜山镇: 6, 清溪镇: 5, 未登记: 2 },
	townshipOrder: ['六郎镇', '舜山镇', '清溪镇', '未登记'],	// 未登记 last
	response: {
		labels: ['1小时内', '1–2小时', '2–4小时', '4–8小时', '8–24小时', '1–3天', '3天以上'],
		answered: [5, 2, 2, 3, 2, 1, 1]	// 3600 is "1小时内" (up to and including)
	},
	rating: { labels: ['1分', '2分', '3分', '4分', '5分'], count: [1, 1, 2, 4, 5] },
	cards: {
		'card-consultations': '20',
		'card-answer-rate': '80.0%',		// 16 / 20
		'card-median': '2小时45分',
		'card-p90': '1天2小时',
		'card-satisfaction': '69.2%',
		'card-backlog': '4'
	},
	cardNotes: {
		'card-consultations': '提问农户7户，新农户6户',	// farmer 1 registered in January
		'card-satisfaction': '评价13个，平均3.85分',
		'card-backlog': '最早的已等待95天8小时'
	},
	backlog: [
		['#5', '果树茶叶', '未登记', '95天8小时'],
		['#9', '蔬菜', '六郎镇', '73天14小时'],
		['#14', '果树茶叶', '六郎镇', '41天7小时'],
		['#18', '畜牧', '舜山镇', '15天10小时']
	],
	// name, categories, assigned, answered, passed, answer rate, median, rated, mean, grade
	experts: [
		['王建国', '家禽', '6', '6', '0', '100.0%', '52分30秒', '6', '4.67', '优秀'],
		['李秀英', '畜牧', '5', '3', '1', '60.0%', '7小时', '2', '3.50', '合格'],
		['张伟', '果树茶叶、蔬菜', '6', '3', '0', '50.0%', '1天2小时', '3', '2.67', '不合格'],
		['刘芳', '水产、畜牧', '3', '3', '0', '100.0%', '3小时', '2', '3.50', '合格'],
		['孙丽', '粮油作物', '0', '0', '0', '—', '—', '0', '—', '—']
	],
	// April alone: a bar per day, one question on each of these days
	april: { days: 30, asked: { '2025-04-02': 1, '2025-04-05': 1, '2025-04-12': 1,
	    '2025-04-18': 1, '2025-04-22': 1, '2025-04-28': 1 } }
};

// The people, registered through the real command line before the seed runs.
const PEOPLE = [
	['+8613900000001', '王建国', ['--categories', 'poultry']],
	['+8613900000002', '李秀英', ['--categories', 'livestock']],
	['+8613900000003', '张伟', ['--categories', 'vegetable,fruit_tea']],
	['+8613900000004', '刘芳', ['--categories', 'aqua,livestock']],
	['+8613900000005', '孙丽', ['--categories', 'grain']],
	['+8613900000006', '陈静', ['--role', 'triage']],
	['+8613900000007', '周明', ['--role', 'commissioner']]
];
// A question asked now, over HTTP, so that "this year" and "last 30 days" have one of their own.
const LIVE = { from: '+8613800000008', text: '鹅苗死亡很多怎么办' };

// ---- plumbing ------------------------------------------------------------------------------

let tmp = null, server = null, serverExit = null;
const contexts = [];
let checks = 0;

function say(s) { process.stdout.write(s + '\n'); }
function ok(s) { checks++; say('  ok   ' + s); }
class Failure extends Error {}
function fail(s) { throw new Failure(s); }
function same(what, got, want) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g !== w)
		fail(`${what}: got ${g}, want ${w}`);
	ok(`${what}: ${w}`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function today(tz) {	// YYYY-MM-DD in tz
	return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit',
	    day: '2-digit' }).format(new Date());
}
function daysBefore(ymd, n) {
	const d = new Date(ymd + 'T12:00:00Z');
	d.setUTCDate(d.getUTCDate() - n);
	return d.toISOString().slice(0, 10);
}

async function stopServer() {
	if (server === null || serverExit === null)
		return;
	const p = server;
	server = null;
	if (p.exitCode === null && p.signalCode === null) {
		p.kill('SIGTERM');
		const done = await Promise.race([serverExit.then(() => true), sleep(10000).then(() => false)]);
		if (!done) {
			say(`  (farmline pid ${p.pid} did not stop on TERM: KILL)`);
			p.kill('SIGKILL');
			await serverExit;
		}
	}
}

let cleaning = null;
function cleanup() {
	if (cleaning)
		return cleaning;
	cleaning = (async () => {
		for (const c of contexts.splice(0))
			await c.close().catch(() => {});
		await stopServer();
		if (tmp) {
			if (process.env.KEEP === '1') {
				say(`kept ${tmp}`);
			} else {
				fs.rmSync(tmp, { recursive: true, force: true });
			}
		}
	})();
	return cleaning;
}

function showLog() {
	const log = tmp && path.join(tmp, 'farmline.log');
	if (log && fs.existsSync(log)) {
		const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
		say('--- farmline.log (last 25 lines)');
		for (const l of lines.slice(-25))
			say('  ' + l);
	}
}

// ---- farmline, seeded ----------------------------------------------------------------------

async function startFarmline() {
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'farmline-dashboard-'));
	const port = await freePort();
	const conf = path.join(tmp, 'farmline.conf');
	const db = path.join(tmp, 'farmline.db');
	fs.writeFileSync(conf, [
		'# tests/dashboard/test.mjs',
		'[general]',
		`timezone = ${TZ}`,
		'[http]',
		'bind = 127.0.0.1',
		`port = ${port}`,
		`inbound_token = ${INBOUND_TOKEN}`,
		'[store]',
		`path = ${db}`,
		'[provider]',
		'type = console',
		'[quiet]',
		'start = 00:00',
		'end = 00:00',
		'[escalation]',
		'check_interval = 1h',
		'[bureau]',
		`api_token = ${TOKEN}`,
		`dashboard = ${path.join(ROOT, 'bureau/web')}`,
		''
	].join('\n'));

	for (const [phone, name, more] of PEOPLE)
		execFileSync(BIN, ['-c', conf, 'expert', 'add', '--phone', phone, '--name', name, ...more],
		    { stdio: ['ignore', 'ignore', 'pipe'] });
	execFileSync('sqlite3', ['-bail', db], { input: fs.readFileSync('tests/dashboard/seed.sql'),
	    stdio: ['pipe', 'ignore', 'pipe'] });
	const n = execFileSync('sqlite3', [db, 'SELECT count(*) FROM consultations;']).toString().trim();
	same('seeded consultations (with #21 before and #22 after the period)', Number(n), 22);

	const log = fs.openSync(path.join(tmp, 'farmline.log'), 'a');
	server = spawn(BIN, ['-c', conf, 'serve'], { stdio: ['ignore', log, log] });
	serverExit = new Promise((resolve) => server.on('exit', resolve));
	fs.closeSync(log);
	const origin = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + WAIT;
	for (;;) {
		if (server.exitCode !== null)
			fail(`farmline serve exited (${server.exitCode}) at start`);
		try {
			const r = await fetch(origin + '/healthz');
			if (r.ok)
				break;
		} catch { /* not listening yet */ }
		if (Date.now() > deadline)
			fail('farmline did not answer /healthz');
		await sleep(100);
	}
	ok(`farmline serving on ${origin} (pid ${server.pid})`);

	const r = await fetch(origin + '/sms/inbound', { method: 'POST',
	    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
		'Authorization': `Bearer ${INBOUND_TOKEN}` },
	    body: new URLSearchParams(LIVE).toString() });
	const body = await r.json();
	if (!r.ok || body.action !== 'question')
		fail(`POST /sms/inbound: ${r.status} ${JSON.stringify(body)}`);
	ok(`a question asked now over POST /sms/inbound: ticket ${body.ticket}`);

	const api = await fetch(origin + '/api/stats');
	same('GET /api/stats without the token', api.status, 401);
	return origin;
}

// ---- the browser ---------------------------------------------------------------------------

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking', '--disable-component-update',
	'--disable-sync'];

async function browser(name, options) {
	// a fresh profile (--user-data-dir) of its own, in the temp folder
	const ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile-' + name), {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		timezoneId: TZ,
		locale: 'zh-CN',
		reducedMotion: 'reduce',	// the page then draws without animation
		timeout: WAIT,
		...options
	});
	contexts.push(ctx);
	ctx.setDefaultTimeout(WAIT);
	return ctx;
}

// Console errors, uncaught exceptions, failed requests and any request off farmline.
function watch(page, origin) {
	const problems = [];
	page.on('console', (m) => {
		// The browser asks for /favicon.ico by itself on farmline's built-in login page (the
		// dashboard names none): that 404 is not the page's.
		if (m.type() === 'error' && !/\/favicon\.ico$/.test(m.location()?.url || ''))
			problems.push('console error: ' + m.text() + (m.location()?.url ? ' (' + m.location().url + ')' : ''));
	});
	page.on('pageerror', (e) => problems.push('uncaught: ' + e.message));
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(origin + '/') && !u.startsWith('data:'))
			problems.push('request off farmline: ' + u);
	});
	page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
	page.on('response', (r) => {
		if (r.status() >= 400)
			problems.push(`HTTP ${r.status()}: ${r.url()}`);
	});
	return problems;
}

async function signIn(page, origin, who) {
	const res = await page.goto(origin + '/');
	if (res.status() !== 200)
		fail(`${who}: GET / gave ${res.status()}`);
	if (await page.locator('#chart-volume').count() !== 0)
		fail(`${who}: the dashboard was shown without signing in`);
	await page.locator('form[action="/login"] input[name="token"]').fill(TOKEN);
	await Promise.all([
		page.waitForURL(origin + '/'),
		page.locator('form[action="/login"] button[type="submit"]').click()
	]);
	await page.locator('#chart-volume').waitFor({ state: 'attached' });
	ok(`${who}: signed in through the login form`);
}

// Wait for the page to have shown this period (state ready, or the one given).
async function settled(page, from, to, want = 'ready') {
	await page.waitForFunction(([p]) => document.body.dataset.period === p &&
	    document.body.dataset.state !== 'loading', [`${from}/${to}`]);
	const st = await page.evaluate(() => document.body.dataset.state);
	if (st !== want) {
		const note = await page.locator('#notice').textContent();
		fail(`period ${from}…${to}: the page is "${st}", want "${want}" (${note.trim()})`);
	}
}

async function choose(page, from, to) {
	await page.locator('[data-preset="custom"]').click();
	await page.locator('#from').fill(from);
	await page.locator('#to').fill(to);
	await page.locator('#apply').click();
}

// What each chart drew: labels, datasets, and whether every point got an element on the canvas.
function charts(page) {
	return page.evaluate(() => {
		const out = {};
		for (const id of ['chart-volume', 'chart-category', 'chart-township', 'chart-response',
		    'chart-rating']) {
			const c = window.Chart && window.Chart.getChart(id);
			if (!c) {
				out[id] = null;
				continue;
			}
			const canvas = document.getElementById(id);
			out[id] = {
				labels: c.data.labels.slice(),
				data: c.data.datasets.map((d) => d.data.slice()),
				drawn: c.data.datasets.every((d, i) => c.getDatasetMeta(i).data.length === d.data.length),
				width: canvas.clientWidth,
				height: canvas.clientHeight
			};
		}
		return out;
	});
}

function asMap(chart) {
	const m = {};
	chart.labels.forEach((l, i) => { m[l] = chart.data[0][i]; });
	return m;
}

async function tableRows(page, sel, cols) {
	return page.locator(sel + ' tbody tr').evaluateAll((trs, n) => trs.map((tr) =>
	    Array.from(tr.cells).slice(0, n).map((td) => td.textContent.trim())), cols);
}

// The whole March–June view, as the bureau would see it; the same on every screen.
async function checkSeededPeriod(page, who) {
	const E = EXPECTED;
	const c = await charts(page);
	for (const [id, v] of Object.entries(c)) {
		if (v === null)
			fail(`${who}: no chart on #${id}`);
		if (!v.drawn || v.width < 100 || v.height < 100)
			fail(`${who}: #${id} was not drawn (${v.width}×${v.height})`);
	}
	ok(`${who}: five charts drawn (${Object.values(c).map((v) => v.width + '×' + v.height).join(', ')})`);
	same(`${who}: chart-volume months`, c['chart-volume'].labels, E.volume.labels);
	same(`${who}: chart-volume consultations`, c['chart-volume'].data[0], E.volume.asked);
	same(`${who}: chart-volume answered`, c['chart-volume'].data[1], E.volume.answered);
	same(`${who}: chart-category`, asMap(c['chart-category']), E.category);
	same(`${who}: chart-category largest first`, c['chart-category'].labels.slice(0, 3), E.categoryFirst);
	same(`${who}: chart-township (未登记 last)`, c['chart-township'].labels, E.townshipOrder);
	same(`${who}: chart-township`, asMap(c['chart-township']), E.township);
	same(`${who}: chart-response bands`, c['chart-response'].labels, E.response.labels);
	same(`${who}: chart-response answered`, c['chart-response'].data[0], E.response.answered);
	same(`${who}: chart-rating`, [c['chart-rating'].labels, c['chart-rating'].data[0]],
	    [E.rating.labels, E.rating.count]);

	const cards = await page.evaluate((ids) => Object.fromEntries(ids.map((id) =>
	    [id, document.querySelector('#' + id + ' .v').textContent])), Object.keys(E.cards));
	same(`${who}: figures`, cards, E.cards);
	const notes = await page.evaluate((ids) => Object.fromEntries(ids.map((id) =>
	    [id, document.querySelector('#' + id + ' .s').textContent])), Object.keys(E.cardNotes));
	same(`${who}: figure notes`, notes, E.cardNotes);

	same(`${who}: backlog table, oldest first`, await tableRows(page, '#backlog', 4), E.backlog);
	same(`${who}: expert table with grades`, await tableRows(page, '#experts', 10), E.experts);

	const period = await page.locator('#period-line').textContent();
	if (!period.includes('2025-03-01 至 2025-06-30'))
		fail(`${who}: the period line says "${period}"`);
	ok(`${who}: period line "${period}"`);

	const overflow = await page.evaluate(() => document.documentElement.scrollWidth -
	    document.documentElement.clientWidth);
	if (overflow > 0)
		fail(`${who}: the page is ${overflow}px wider than the screen`);
	ok(`${who}: nothing wider than the screen`);
}

async function desktop(origin) {
	say('== desktop (1280×800)');
	const ctx = await browser('desktop', { viewport: { width: 1280, height: 800 } });
	const page = ctx.pages()[0] || await ctx.newPage();
	const problems = watch(page, origin);
	await signIn(page, origin, 'desktop');

	// This year, the default: only the question asked just now (the seed is of 2025).
	const now = today(TZ);
	await settled(page, now.slice(0, 4) + '-01-01', now);
	same('desktop: "今年" is the default', await page.locator('[data-preset="year"]')
	    .getAttribute('aria-pressed'), 'true');
	const year = await charts(page);
	same('desktop: this year, consultations drawn', year['chart-volume'].data[0].reduce((a, b) => a + b, 0), 1);
	same('desktop: this year, open backlog (4 seeded still open, and the new one)',
	    await page.locator('#card-backlog .v').textContent(), '5');

	// The last 30 days: a bar per day, 30 of them, ending today.
	await page.locator('[data-preset="30d"]').click();
	await settled(page, daysBefore(now, 29), now);
	const d30 = (await charts(page))['chart-volume'];
	same('desktop: last 30 days, one bar per day', [d30.labels.length, d30.labels[0], d30.labels[29]],
	    [30, daysBefore(now, 29), now]);
	same('desktop: last 30 days, consultations drawn', d30.data[0].reduce((a, b) => a + b, 0), 1);

	// March to June 2025: every figure of the seed.
	await choose(page, EXPECTED.from, EXPECTED.to);
	await settled(page, EXPECTED.from, EXPECTED.to);
	await checkSeededPeriod(page, 'desktop');
	fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
	await page.screenshot({ path: SCREENSHOT, fullPage: true });
	ok(`desktop: screenshot ${SCREENSHOT}`);

	// April alone: a bar per day.
	await choose(page, '2025-04-01', '2025-04-30');
	await settled(page, '2025-04-01', '2025-04-30');
	const apr = (await charts(page))['chart-volume'];
	const days = {};
	apr.labels.forEach((l, i) => { if (apr.data[0][i]) days[l] = apr.data[0][i]; });
	same('desktop: April 2025 by day, days drawn', apr.labels.length, EXPECTED.april.days);
	same('desktop: April 2025 by day, the days with questions', days, EXPECTED.april.asked);

	// A month with nothing: a message, zeros, empty tables, not a blank page.
	await choose(page, '2024-01-01', '2024-01-31');
	await settled(page, '2024-01-01', '2024-01-31', 'empty');
	const note = (await page.locator('#notice').textContent()).trim();
	if (!(await page.locator('#notice').isVisible()) || !note.includes('没有咨询记录'))
		fail(`desktop: no message for an empty period (“${note}”)`);
	ok(`desktop: January 2024 (no data) says “${note}”`);
	const empty = await charts(page);
	same('desktop: empty period, figures', [await page.locator('#card-consultations .v').textContent(),
	    empty['chart-category'].labels.length, empty['chart-volume'].data[0].reduce((a, b) => a + b, 0),
	    await page.locator('#backlog-empty').isVisible()], ['0', 0, 0, true]);

	// The period is in the address: a reload (or a bookmark) shows it again.
	await choose(page, EXPECTED.from, EXPECTED.to);
	await settled(page, EXPECTED.from, EXPECTED.to);
	await page.reload();
	await settled(page, EXPECTED.from, EXPECTED.to);
	same('desktop: after a reload, the period and its figures', [await page.locator(
	    '[data-preset="custom"]').getAttribute('aria-pressed'), (await charts(page))['chart-volume'].data[0]],
	    ['true', EXPECTED.volume.asked]);

	if (problems.length)
		fail('desktop: ' + problems.join('; '));
	ok('desktop: no console errors, no failed request, nothing loaded from outside farmline');

	// Failures shown as such (on a page of their own: the browser logs these as errors).
	const bad = await ctx.newPage();
	const cases = [
		['the API answering 503', (r) => r.fulfill({ status: 503, contentType: 'application/json',
		    body: '{"error":"the database did not answer"}' }), 'HTTP 503', 'the database did not answer'],
		['the session gone (401)', (r) => r.fulfill({ status: 401, contentType: 'application/json',
		    body: '{"error":"a bearer token is needed"}' }), '登录已失效', '重新登录'],
		['farmline unreachable', (r) => r.abort('connectionrefused'), '无法连接', '重试']
	];
	const isStats = (u) => u.pathname === '/api/stats';
	for (const [what, handler, a, b] of cases) {
		await bad.route(isStats, handler);
		await bad.goto('about:blank');	// a fresh load each time, not a change of hash
		await bad.goto(`${origin}/#from=${EXPECTED.from}&to=${EXPECTED.to}`);
		await settled(bad, EXPECTED.from, EXPECTED.to, 'error');
		const t = (await bad.locator('#notice').textContent()).trim();
		if (!(await bad.locator('#notice').isVisible()) || !t.includes(a) || !t.includes(b))
			fail(`desktop: ${what}: the message is “${t}”`);
		ok(`desktop: ${what}: “${t}”`);
		await bad.unroute(isStats);
	}
	// A failure after a good load leaves none of the earlier figures standing.
	await bad.goto('about:blank');
	await bad.goto(`${origin}/#from=${EXPECTED.from}&to=${EXPECTED.to}`);
	await settled(bad, EXPECTED.from, EXPECTED.to);
	await bad.route(isStats, cases[0][1]);
	await bad.evaluate(() => { location.hash = '#from=2025-04-01&to=2025-04-30'; });
	await settled(bad, '2025-04-01', '2025-04-30', 'error');
	same('desktop: a failure after a good load, earlier figures gone', [
	    await bad.locator('#card-consultations .v').textContent(),
	    await bad.evaluate(() => window.Chart.getChart('chart-volume') === undefined),
	    (await tableRows(bad, '#experts', 10)).length], ['—', true, 0]);
	await bad.unroute(isStats);

	// Chart.js missing (npm ci not run): a message, and the figures and tables still there.
	await bad.route((u) => u.pathname.endsWith('/chart.umd.min.js'), (r) => r.fulfill({ status: 404, body: '' }));
	await bad.goto('about:blank');
	await bad.goto(`${origin}/#from=${EXPECTED.from}&to=${EXPECTED.to}`);
	await settled(bad, EXPECTED.from, EXPECTED.to, 'error');
	const t = (await bad.locator('#notice').textContent()).trim();
	same('desktop: without Chart.js, message and figures', [t.includes('make dashboard'),
	    await bad.locator('#card-consultations .v').textContent(),
	    (await tableRows(bad, '#experts', 10)).length], [true, '20', 5]);
	await bad.close();
}

async function phone(origin) {
	say('== phone (390×844)');
	const ctx = await browser('phone', { viewport: { width: 390, height: 844 },
	    deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = ctx.pages()[0] || await ctx.newPage();
	const problems = watch(page, origin);
	await signIn(page, origin, 'phone');
	await settled(page, today(TZ).slice(0, 4) + '-01-01', today(TZ));
	await choose(page, EXPECTED.from, EXPECTED.to);
	await settled(page, EXPECTED.from, EXPECTED.to);
	await checkSeededPeriod(page, 'phone');
	const widest = await page.evaluate(() => Math.max(...Array.from(
	    document.querySelectorAll('canvas, .card, .panel')).map((e) => e.getBoundingClientRect().right)));
	if (widest > 390)
		fail(`phone: something reaches ${widest}px, past the 390px screen`);
	ok(`phone: every chart, figure and panel within the screen (right edge ${Math.round(widest)}px)`);
	fs.mkdirSync(path.dirname(PHONE_SCREENSHOT), { recursive: true });
	await page.screenshot({ path: PHONE_SCREENSHOT, fullPage: true });
	ok(`phone: screenshot ${PHONE_SCREENSHOT}`);
	if (problems.length)
		fail('phone: ' + problems.join('; '));
	ok('phone: no console errors, no failed request, nothing loaded from outside farmline');
}

// ---- run ----------------------------------------------------------------------------------

async function main() {
	say(`dashboard end to end: ${BIN}, ${CHROMIUM}`);
	const origin = await startFarmline();
	await desktop(origin);
	await phone(origin);
}

const watchdog = setTimeout(async () => {
	say(`FAIL: the test did not finish in ${LIMIT} s`);
	showLog();
	await cleanup();
	process.exit(1);
}, LIMIT * 1000);

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(sig, async () => {
		say('interrupted');
		await cleanup();
		process.exit(1);
	});
}

let rc = 0;
try {
	await main();
} catch (e) {
	rc = 1;
	say(e instanceof Failure ? `  FAIL ${e.message}` : `  FAIL ${e.stack || e}`);
	showLog();
}
clearTimeout(watchdog);
await cleanup();
say(rc === 0 ? `PASS: dashboard end to end (${checks} checks)` : 'FAIL: dashboard end to end');
process.exit(rc);
