/*
 * farmline's bureau dashboard: one page, plain JavaScript, no build step. It reads
 * GET /api/stats?from=YYYY-MM-DD&to=YYYY-MM-DD (the sign-in cookie goes with a same-origin
 * fetch) and draws the figures with Chart.js, which farmline serves from
 * bureau/web/node_modules (make dashboard): nothing is loaded from another host.
 *
 * The page says what it is doing in <body data-state>: loading, ready, empty (no consultation
 * in the period) or error, and the period shown in <body data-period="FROM/TO">. Each chart's
 * canvas has a stable id (chart-volume, chart-category, chart-township, chart-response,
 * chart-rating): Chart.getChart(id).data is what was drawn (tests/dashboard/test.mjs).
 */
'use strict';

(function () {
	var $ = function (sel) { return document.querySelector(sel); };

	/* Names of the default categories (config/categories.conf), for an expert's category that
	 * has no consultation in the period; the names the API gives win. */
	var CATEGORY_NAMES = {
		weather: '气象', machinery: '农机', policy: '政策项目', market: '市场营销',
		protection: '植保', soil: '土肥', fungi: '食用菌', herb: '中药材', aqua: '水产',
		poultry: '家禽', livestock: '畜牧', fruit_tea: '果树茶叶', vegetable: '蔬菜',
		grain: '粮油作物', triage: '人工分诊'
	};
	var COLORS = ['#2f7d4f', '#d08a1f', '#3b6fb6', '#b5473a', '#7a5aa6', '#2a9d9a', '#8c6d46',
		'#c2578f', '#5f7f2a', '#4f5d75', '#a0522d', '#6b8e9f', '#9c7a00', '#555555'];
	var DAY_MAX = 62;		/* up to this many days: a point per day, then per month */
	var MONTH_MAX = 36;		/* up to this many months: a point per month, then per year */
	var BACKLOG_ROWS = 10;		/* the oldest open questions listed */

	var state = { preset: 'year', from: '', to: '', seq: 0 };
	var charts = {};
	var reduceMotion = window.matchMedia &&
	    window.matchMedia('(prefers-reduced-motion: reduce)').matches;

	/* ---- dates (the browser's calendar; the bureau's office is in the county's time zone) */

	function pad(n) { return (n < 10 ? '0' : '') + n; }
	function ymd(d) { return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
	function parseYmd(s) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
		if (!m)
			return null;
		var d = new Date(+m[1], +m[2] - 1, +m[3], 12);	/* noon: no summer-time edge */
		return d.getMonth() === +m[2] - 1 ? d : null;
	}
	function addDays(d, n) { var c = new Date(d.getTime()); c.setDate(c.getDate() + n); return c; }
	function presetRange(p) {
		var today = new Date();
		if (p === '30d')
			return [ymd(addDays(today, -29)), ymd(today)];
		return [today.getFullYear() + '-01-01', ymd(today)];
	}

	/* The keys of every day, month or year of the period, so that quiet days show as 0. */
	function periodKeys(from, to) {
		var a = parseYmd(from), b = parseYmd(to), keys = [], d;
		var days = Math.round((b - a) / 86400000) + 1;
		var months = (b.getFullYear() - a.getFullYear()) * 12 + b.getMonth() - a.getMonth() + 1;
		if (days <= DAY_MAX) {
			for (d = a; d <= b; d = addDays(d, 1))
				keys.push(ymd(d));
			return { by: 'day', keys: keys };
		}
		if (months <= MONTH_MAX) {
			for (d = new Date(a.getFullYear(), a.getMonth(), 1, 12); d <= b;
			    d = new Date(d.getFullYear(), d.getMonth() + 1, 1, 12))
				keys.push(d.getFullYear() + '-' + pad(d.getMonth() + 1));
			return { by: 'month', keys: keys };
		}
		for (var y = a.getFullYear(); y <= b.getFullYear(); y++)
			keys.push(String(y));
		return { by: 'year', keys: keys };
	}

	/* ---- numbers as the bureau writes them */

	function fmtInt(n) { return n == null ? '—' : Number(n).toLocaleString('zh-CN'); }
	function fmtPct(r) { return r == null ? '—' : (r * 100).toFixed(1) + '%'; }
	function fmtRating(r) { return r == null ? '—' : r.toFixed(2); }
	/* 45秒, 52分30秒, 2小时45分, 1天2小时, 4天 (as farmline stats prints them) */
	function fmtDur(s) {
		if (s == null)
			return '—';
		s = Math.round(s);
		if (s < 60)
			return s + '秒';
		if (s < 3600)
			return Math.floor(s / 60) + '分' + (s % 60 ? s % 60 + '秒' : '');
		if (s < 86400) {
			var m = Math.floor(s % 3600 / 60);
			return Math.floor(s / 3600) + '小时' + (m ? m + '分' : '');
		}
		var h = Math.floor(s % 86400 / 3600);
		return Math.floor(s / 86400) + '天' + (h ? h + '小时' : '');
	}
	function tickLabel(by, key) {
		var p = key.split('-');
		if (by === 'day')
			return +p[1] + '/' + +p[2];
		if (by === 'month')
			return p[0] + '年' + +p[1] + '月';
		return key + '年';
	}

	/* ---- the page */

	function setState(s) { document.body.dataset.state = s; }

	function notice(kind, parts) {
		var n = $('#notice');
		n.textContent = '';
		if (!kind) {
			n.hidden = true;
			return;
		}
		n.className = 'notice ' + kind;
		parts.forEach(function (p) {
			if (typeof p === 'string') {
				n.appendChild(document.createTextNode(p));
			} else {
				n.appendChild(p);
			}
		});
		n.hidden = false;
	}

	function link(href, text) {
		var a = document.createElement('a');
		a.href = href;
		a.textContent = text;
		return a;
	}

	function retryButton() {
		var b = document.createElement('button');
		b.type = 'button';
		b.className = 'retry';
		b.textContent = '重试';
		b.addEventListener('click', load);
		return b;
	}

	function card(id, value, sub, tone) {
		var c = document.getElementById(id);
		c.querySelector('.v').textContent = value;
		c.querySelector('.s').textContent = sub || '';
		c.classList.remove('good', 'warn', 'bad');
		if (tone)
			c.classList.add(tone);
	}

	function cell(tr, text, cls, title) {
		var td = document.createElement('td');
		td.textContent = text;
		if (cls)
			td.className = cls;
		if (title)
			td.title = title;
		tr.appendChild(td);
		return td;
	}

	function showPresets() {
		document.querySelectorAll('[data-preset]').forEach(function (b) {
			b.setAttribute('aria-pressed', String(b.dataset.preset === state.preset));
		});
		$('#range').hidden = state.preset !== 'custom';
		$('#from').value = state.from;
		$('#to').value = state.to;
	}

	function saveHash() {
		var h = state.preset === 'custom' ? '#from=' + state.from + '&to=' + state.to :
		    state.preset === '30d' ? '#p=30d' : '';
		if (location.hash !== h)
			history.replaceState(null, '', location.pathname + location.search + h);
	}

	function readHash() {
		var q = {};
		location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
			var i = kv.indexOf('=');
			if (i > 0)
				q[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
		});
		if (parseYmd(q.from) && parseYmd(q.to) && q.from <= q.to) {
			state.preset = 'custom';
			state.from = q.from;
			state.to = q.to;
			return;
		}
		state.preset = q.p === '30d' ? '30d' : 'year';
		var r = presetRange(state.preset);
		state.from = r[0];
		state.to = r[1];
	}

	/* ---- charts */

	function chartLib() { return typeof window.Chart === 'function'; }

	function baseOptions(extra) {
		var o = {
			responsive: true,
			maintainAspectRatio: false,
			animation: reduceMotion ? false : { duration: 400 },
			plugins: { legend: { display: false } },
			scales: {
				x: { grid: { display: false } },
				y: { beginAtZero: true, ticks: { precision: 0 } }
			}
		};
		Object.keys(extra || {}).forEach(function (k) { o[k] = extra[k]; });
		return o;
	}

	function draw(id, config, hasData) {
		var canvas = document.getElementById(id);
		var empty = canvas.parentNode.querySelector('.empty');
		empty.hidden = hasData;
		if (!chartLib())
			return;
		if (charts[id])
			charts[id].destroy();
		charts[id] = new window.Chart(canvas, config);
	}

	/* A bar chart lying down, one bar per group, largest first, "last" (未登记) at the end. */
	function rankedBars(id, groups, last, color) {
		var rows = groups.filter(function (g) { return g.consultations > 0; });
		rows.sort(function (a, b) {
			return (a.key === last) - (b.key === last) || b.consultations - a.consultations;
		});
		var box = document.getElementById(id).parentNode;
		box.style.height = Math.max(180, rows.length * 34 + 50) + 'px';
		draw(id, {
			type: 'bar',
			data: {
				labels: rows.map(function (g) { return g.label || g.key; }),
				datasets: [{
					label: '咨询',
					data: rows.map(function (g) { return g.consultations; }),
					backgroundColor: color,
					borderRadius: 3,
					maxBarThickness: 26
				}]
			},
			options: baseOptions({
				indexAxis: 'y',
				scales: {
					x: { beginAtZero: true, ticks: { precision: 0 } },
					y: { grid: { display: false } }
				},
				plugins: {
					legend: { display: false },
					tooltip: { callbacks: { afterLabel: function (ctx) {
						var g = rows[ctx.dataIndex];
						return '已答复 ' + g.answered + '，答复率 ' + fmtPct(g.answer_rate) +
						    '，响应中位数 ' + fmtDur(g.median_response_seconds);
					} } }
				}
			})
		}, rows.length > 0);
	}

	function drawVolume(v) {
		var p = periodKeys(state.from, state.to);
		var src = v['by_' + p.by] || [], byKey = {};
		src.forEach(function (g) { byKey[g.key] = g; });
		var asked = p.keys.map(function (k) { return byKey[k] ? byKey[k].consultations : 0; });
		var answered = p.keys.map(function (k) { return byKey[k] ? byKey[k].answered : 0; });
		$('#volume-title').textContent = '咨询量走势（' +
		    { day: '按日', month: '按月', year: '按年' }[p.by] + '）';
		draw('chart-volume', {
			type: 'bar',
			data: {
				labels: p.keys,
				datasets: [
					{ label: '咨询', data: asked, backgroundColor: '#2f7d4f', borderRadius: 2,
					    maxBarThickness: 40, order: 2 },
					{ label: '已答复', data: answered, type: 'line', borderColor: '#d08a1f',
					    backgroundColor: '#d08a1f', pointRadius: p.keys.length > 40 ? 0 : 3,
					    tension: 0.2, order: 1 }
				]
			},
			options: baseOptions({
				interaction: { mode: 'index', intersect: false },
				plugins: { legend: { display: true, position: 'top', align: 'end', labels: {
					sort: function (a, b) { return a.datasetIndex - b.datasetIndex; }
				} } },
				scales: {
					x: { grid: { display: false }, ticks: {
						autoSkip: true, maxRotation: 0,
						callback: function (val) { return tickLabel(p.by, p.keys[val]); }
					} },
					y: { beginAtZero: true, ticks: { precision: 0 } }
				}
			})
		}, v.consultations > 0);
	}

	function drawResponse(s) {
		var bands = s.response_distribution || [];
		var n = bands.length;
		draw('chart-response', {
			type: 'bar',
			data: {
				labels: bands.map(function (b) { return b.label; }),
				datasets: [{
					label: '已答复',
					data: bands.map(function (b) { return b.answered; }),
					backgroundColor: bands.map(function (b, i) {
						/* green for the quick answers, turning to red for the slow */
						return 'hsl(' + Math.round(140 - 140 * i / Math.max(1, n - 1)) + ', 45%, 45%)';
					}),
					borderRadius: 3
				}]
			},
			options: baseOptions({ scales: {
				x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: false,
				    font: { size: 11 } } },
				y: { beginAtZero: true, ticks: { precision: 0 } }
			} })
		}, (s.answered || 0) > 0);
	}

	function drawRating(sat) {
		var by = sat.by_rating || [0, 0, 0, 0, 0];
		draw('chart-rating', {
			type: 'bar',
			data: {
				labels: ['1分', '2分', '3分', '4分', '5分'],
				datasets: [{
					label: '评价',
					data: by,
					backgroundColor: ['#b5473a', '#d0713a', '#c9a227', '#6aa84f', '#2f7d4f'],
					borderRadius: 3
				}]
			},
			options: baseOptions()
		}, sat.rated > 0);
		$('#rating-note').textContent = sat.rated > 0 ? '（' + sat.rated + '个评价，平均' +
		    fmtRating(sat.mean_rating) + '分）' : '';
	}

	/* ---- tables */

	function categoryNames(data) {
		var names = {};
		Object.keys(CATEGORY_NAMES).forEach(function (k) { names[k] = CATEGORY_NAMES[k]; });
		(data.volume.by_category || []).forEach(function (g) { if (g.label) names[g.key] = g.label; });
		(data.service.backlog.items || []).forEach(function (b) { names[b.category] = b.label; });
		return names;
	}

	function drawBacklog(b) {
		var tbody = $('#backlog tbody');
		tbody.textContent = '';
		b.items.slice(0, BACKLOG_ROWS).forEach(function (x) {
			var tr = document.createElement('tr');
			cell(tr, '#' + x.ticket, 'num');
			cell(tr, x.label || x.category);
			cell(tr, x.township || '未登记', x.township ? '' : 'muted');
			cell(tr, fmtDur(x.age_seconds), 'num' + (x.age_seconds >= 3 * 86400 ? ' late' : ''));
			cell(tr, x.question, 'question', x.question);
			tbody.appendChild(tr);
		});
		$('#backlog').hidden = b.open === 0;
		$('#backlog-empty').hidden = b.open !== 0;
		$('#backlog-note').textContent = b.open === 0 ? '' : '（共' + b.open + '个' +
		    (b.open > BACKLOG_ROWS ? '，列出最早的' + BACKLOG_ROWS + '个' : '') + '）';
	}

	function gradeClass(g) {
		return g === '优秀' ? 'grade good' : g === '合格' ? 'grade ok' : g === '不合格' ?
		    'grade bad' : 'grade';
	}

	function drawExperts(experts, names) {
		var tbody = $('#experts tbody');
		tbody.textContent = '';
		experts.forEach(function (x) {
			var tr = document.createElement('tr');
			var cats = (x.categories || '').split(',').filter(Boolean)
			    .map(function (c) { return names[c] || c; }).join('、');
			cell(tr, x.name, 'name');
			cell(tr, cats || '—');
			cell(tr, fmtInt(x.assigned), 'num');
			cell(tr, fmtInt(x.answered), 'num');
			cell(tr, fmtInt(x.passed), 'num');
			cell(tr, fmtPct(x.answer_rate), 'num');
			cell(tr, fmtDur(x.median_response_seconds), 'num');
			cell(tr, fmtInt(x.rated), 'num');
			cell(tr, fmtRating(x.mean_rating), 'num');
			var td = cell(tr, '', 'grade-cell');
			var span = document.createElement('span');
			span.className = gradeClass(x.grade);
			span.textContent = x.grade || '—';
			if (!x.grade)
				span.title = '所选时段没有分到问题，不考核';
			td.appendChild(span);
			tbody.appendChild(tr);
		});
		$('#experts').hidden = experts.length === 0;
		$('#experts-empty').hidden = experts.length !== 0;
	}

	/* ---- all of it */

	function render(data) {
		var v = data.volume, s = data.service, sat = data.satisfaction, b = s.backlog;
		var tz = data.period && data.period.timezone ? '（' + data.period.timezone + '）' : '';

		$('#period-line').textContent = '统计时段：' + state.from + ' 至 ' + state.to + tz +
		    '　待答问题截至 ' + (data.period.backlog_at || state.to);

		card('card-consultations', fmtInt(v.consultations),
		    '提问农户' + fmtInt(v.farmers) + '户，新农户' + fmtInt(v.new_farmers) + '户');
		card('card-answer-rate', fmtPct(s.answer_rate), '已答复' + fmtInt(s.answered) + '个',
		    s.answer_rate == null ? '' : s.answer_rate >= 0.9 ? 'good' :
		    s.answer_rate >= 0.6 ? 'warn' : 'bad');
		card('card-median', fmtDur(s.median_response_seconds),
		    s.mean_response_seconds == null ? '' : '平均' + fmtDur(s.mean_response_seconds));
		card('card-p90', fmtDur(s.p90_response_seconds), s.p90_response_seconds == null ? '' :
		    s.working_time ? '90%的问题在此时间内答复（不计免打扰时段）' :
		    '90%的问题在此时间内答复');
		card('card-satisfaction', fmtPct(sat.satisfied_share),
		    sat.rated ? '评价' + sat.rated + '个，平均' + fmtRating(sat.mean_rating) + '分' :
		    '暂无评价', sat.satisfied_share == null ? '' : sat.satisfied_share >= 0.9 ? 'good' :
		    sat.satisfied_share >= 0.6 ? 'warn' : 'bad');
		card('card-backlog', fmtInt(b.open), b.open ? '最早的已等待' + fmtDur(b.oldest_seconds) :
		    '没有待答问题', b.open === 0 ? 'good' : b.oldest_seconds >= 3 * 86400 ? 'bad' : 'warn');

		drawVolume(v);
		rankedBars('chart-category', v.by_category || [], 'triage', '#3b6fb6');
		rankedBars('chart-township', (v.by_township || []).map(function (g) {
			return Object.assign({}, g, { key: g.key || '' });
		}), '', '#2a9d9a');
		drawResponse(s);
		drawRating(sat);
		drawBacklog(b);
		drawExperts(data.experts || [], categoryNames(data));

		var r = data.registry || {}, ch = (v.by_channel || []).map(function (g) {
			return g.label + ' ' + g.consultations;
		}).join('，');
		$('#foot').textContent = (ch ? '渠道：' + ch + '。' : '') + '在册：专家' +
		    fmtInt(r.experts) + '名，分诊员' + fmtInt(r.triage) + '名，信息员' +
		    fmtInt(r.commissioners) + '名，农户' + fmtInt(r.farmers) + '户。转交' +
		    fmtInt(s.passes) + '次，提醒' + fmtInt(s.reminders) + '次，改派' +
		    fmtInt(s.reassignments) + '次。';

		if (!chartLib()) {
			notice('error', ['图表库没有装好，图表无法显示（数字和表格照常）。请在服务器上运行 ',
			    code('make dashboard'), '（在 bureau/web 里执行 npm ci）。']);
			setState('error');
		} else if (v.consultations === 0) {
			notice('info', ['所选时段（' + state.from + ' 至 ' + state.to +
			    '）没有咨询记录，可以换一个时段查看。']);
			setState('empty');
		} else {
			notice(null);
			setState('ready');
		}
	}

	function code(text) {
		var c = document.createElement('code');
		c.textContent = text;
		return c;
	}

	/* Nothing of an earlier period stays on the page under a failure. */
	function clear() {
		document.querySelectorAll('.card').forEach(function (c) { card(c.id, '—', ''); });
		Object.keys(charts).forEach(function (id) {
			charts[id].destroy();
			delete charts[id];
		});
		document.querySelectorAll('.chart-box .empty').forEach(function (e) { e.hidden = true; });
		document.querySelectorAll('table tbody').forEach(function (t) { t.textContent = ''; });
		document.querySelectorAll('.empty-table').forEach(function (e) { e.hidden = true; });
		$('#backlog-note').textContent = '';
		$('#rating-note').textContent = '';
		$('#foot').textContent = '';
	}

	function fail(parts) {
		clear();
		notice('error', parts.concat([' ', retryButton()]));
		$('#period-line').textContent = '统计时段：' + state.from + ' 至 ' + state.to;
		setState('error');
	}

	function load() {
		var seq = ++state.seq;
		var url = '/api/stats?from=' + encodeURIComponent(state.from) + '&to=' +
		    encodeURIComponent(state.to);

		document.body.dataset.period = state.from + '/' + state.to;
		setState('loading');
		showPresets();
		saveHash();
		return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
		    .then(function (res) {
			return res.text().then(function (text) {
				var body = null;
				try { body = JSON.parse(text); } catch (e) { /* not JSON: said below */ }
				return { res: res, body: body };
			});
		}, function () {
			return { res: null, body: null };
		}).then(function (r) {
			if (seq !== state.seq)
				return;		/* a newer period was asked for meanwhile */
			if (r.res === null) {
				fail(['无法连接 farmline 服务，请检查网络或服务是否在运行。']);
			} else if (r.res.status === 401) {
				fail(['登录已失效，请', link('/', '重新登录'), '。']);
			} else if (!r.res.ok || r.body === null || !r.body.volume) {
				fail(['读取统计数据失败（HTTP ' + r.res.status + '）：' +
				    (r.body && r.body.error ? r.body.error : r.res.statusText || '返回的不是统计数据') +
				    '。']);
			} else {
				try {
					render(r.body);
				} catch (e) {
					fail(['显示统计数据时出错：' + e.message]);
					throw e;
				}
			}
		});
	}

	/* ---- start */

	function start() {
		if (chartLib()) {
			var font = getComputedStyle(document.body).fontFamily;
			window.Chart.defaults.font.family = font;
			window.Chart.defaults.color = '#3d4a40';
		}
		document.querySelectorAll('[data-preset]').forEach(function (btn) {
			btn.addEventListener('click', function () {
				var p = btn.dataset.preset;
				state.preset = p;
				if (p === 'custom') {
					showPresets();
					$('#from').focus();
					return;
				}
				var r = presetRange(p);
				state.from = r[0];
				state.to = r[1];
				load();
			});
		});
		$('#period').addEventListener('submit', function (ev) {
			ev.preventDefault();
			var from = $('#from').value, to = $('#to').value;
			if (!parseYmd(from) || !parseYmd(to)) {
				notice('error', ['请填写开始和结束日期。']);
				return;
			}
			if (from > to) {
				notice('error', ['开始日期不能晚于结束日期。']);
				return;
			}
			state.preset = 'custom';
			state.from = from;
			state.to = to;
			load();
		});
		window.addEventListener('hashchange', function () {	/* a bookmark, or typed */
			readHash();
			load();
		});
		readHash();
		load();
	}

	start();
})();
