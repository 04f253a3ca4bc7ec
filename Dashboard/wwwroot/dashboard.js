// SaEI dashboard pages (docs/dashboard.md). Plain script, no build step, no library: every page polls its JSON
// every second and redraws with DOM calls (textContent only, so no stored text is ever parsed as HTML).
'use strict';
(() => {
  const TOKEN_KEY = 'saei-dashboard-token';
  const $ = id => document.getElementById(id);
  const parts = location.pathname.split('/').filter(p => p).map(decodeURIComponent);
  const exp = parts[0] === 'experiments' ? parts[1] : null;
  const run = parts[2] === 'runs' ? parts[3] : null;
  const enc = encodeURIComponent;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'testid') node.dataset.testid = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) node.append(c instanceof Node ? c : String(c ?? ''));
    return node;
  }
  const num = (v, digits = 3) => (v === null || v === undefined) ? '–' : Number(v).toFixed(digits);
  const pts = v => (v === null || v === undefined) ? '–' : (100 * v).toFixed(2);
  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

  function showToken() {
    $('token-state').textContent = token() ? 'token set' : 'read-only';
  }
  $('token-save').addEventListener('click', () => {
    const value = $('token-input').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    $('token-input').value = '';
    showToken();
  });
  showToken();

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || response.status + ' ' + response.statusText);
    return body;
  }
  async function act(url) {
    const headers = {};
    if (token()) headers.Authorization = 'Bearer ' + token();
    const response = await fetch(url, { method: 'POST', headers });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(response.status + ': ' + (body.error || response.statusText));
    return body;
  }
  function poll(load, period = 1000) {
    const tick = async () => {
      try { await load(); $('status').textContent = ''; } catch (e) { $('status').textContent = e.message; }
      setTimeout(tick, period);
    };
    tick();
  }
  function fill(tbody, rows) { tbody.replaceChildren(...rows); }

  const pages = {
    experiments() {
      poll(async () => {
        const data = await getJson('/api/experiments');
        fill($('experiments-table').tBodies[0], data.experiments.map(x => el('tr',
          { testid: 'experiment-row', 'data-experiment': x.experiment },
          el('td', {}, el('a', { testid: 'experiment-link', href: '/experiments/' + enc(x.experiment) }, x.experiment)),
          el('td', { class: 'num' }, x.runs),
          ...['pending', 'running', 'evaluating', 'completed', 'failed', 'cancelled'].map(s =>
            el('td', { class: 'num', testid: 'count-' + s }, x.counts[s])),
          el('td', { class: 'num', testid: 'progress' }, (100 * x.progress).toFixed(1) + '%'),
          el('td', { class: 'num', testid: 'restarts' }, x.restarts))));
      });
    },

    experiment() {
      document.title = exp + ' — SaEI';
      $('title').textContent = 'Experiment ' + exp;
      $('leaderboard-link').href = '/experiments/' + enc(exp) + '/leaderboard';
      $('overlay-link').href = '/experiments/' + enc(exp) + '/overlay';
      let sort = { key: 'run', dir: 1 }, last = null;
      const value = (r, key) => key === 'step' ? r.step / Math.max(1, r.total_steps) : r[key];
      const draw = () => {
        if (!last) return;
        const method = $('filter-method').value, state = $('filter-state').value;
        const methods = [...new Set(last.runs.map(r => r.method))];
        const select = $('filter-method');
        if (select.options.length !== methods.length + 1)
          select.replaceChildren(el('option', { value: '' }, 'all'),
            ...methods.map(m => el('option', { value: m }, m)));
        select.value = method;
        const runs = last.runs.filter(r => (!method || r.method === method) && (!state || r.state === state))
          .sort((a, b) => {
            const x = value(a, sort.key), y = value(b, sort.key);
            return sort.dir * (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1);
          });
        const c = last.counts;
        $('summary').textContent = `${last.runs.length} runs: ${c.pending} pending, ${c.running} running, ` +
          `${c.evaluating} evaluating, ${c.completed} completed, ${c.failed} failed, ${c.cancelled} cancelled; ` +
          `progress ${(100 * last.progress).toFixed(1)}%, restarts ${last.restarts}`;
        fill($('runs-table').tBodies[0], runs.map(r => el('tr',
          { testid: 'run-row', 'data-run': r.run, 'data-method': r.method, 'data-state': r.state },
          el('td', {}, el('a', { testid: 'run-link', href: `/experiments/${enc(exp)}/runs/${enc(r.run)}` }, r.run)),
          el('td', {}, r.method), el('td', {}, r.config), el('td', { class: 'num' }, r.seed),
          el('td', { testid: 'run-state', class: 'state-' + r.state }, r.state),
          el('td', { class: 'num', testid: 'run-step' }, `${r.step}/${r.total_steps}`),
          el('td', { class: 'num', testid: 'run-reward' }, num(r.reward)),
          el('td', { class: 'num', testid: 'run-entropy' }, num(r.entropy)),
          el('td', { class: 'num', testid: 'run-accuracy' }, num(r.accuracy)),
          el('td', { class: 'num', testid: 'run-restarts' }, r.restarts),
          el('td', {}, r.state === 'failed' ? requeueButton(r.run) : ''))));
      };
      const requeueButton = id => {
        const button = el('button', { testid: 'requeue-button', type: 'button' }, 're-queue');
        button.addEventListener('click', async () => {
          try {
            const answer = await act(`/api/experiments/${enc(exp)}/runs/${enc(id)}/requeue`);
            $('action-result').textContent = answer.requeued ? `re-queued ${id}` : `${id} is ${answer.state}`;
          } catch (e) { $('action-result').textContent = e.message; }
        });
        return button;
      };
      for (const th of document.querySelectorAll('th[data-sort]'))
        th.addEventListener('click', () => {
          sort = { key: th.dataset.sort, dir: sort.key === th.dataset.sort ? -sort.dir : 1 };
          draw();
        });
      $('filter-method').addEventListener('change', draw);
      $('filter-state').addEventListener('change', draw);
      $('cancel-button').addEventListener('click', async () => {
        try {
          const answer = await act(`/api/experiments/${enc(exp)}/cancel`);
          $('action-result').textContent = `cancelled ${answer.cancelled} runs`;
        } catch (e) { $('action-result').textContent = e.message; }
      });
      poll(async () => { last = await getJson('/api/experiments/' + enc(exp)); draw(); });
    },

    leaderboard() {
      $('title').textContent = 'Leaderboard ' + exp;
      $('experiment-link').href = '/experiments/' + enc(exp);
      for (const f of ['md', 'csv', 'json']) $('download-' + f).href = `/api/experiments/${enc(exp)}/leaderboard.${f}`;
      poll(async () => {
        const data = await getJson(`/api/experiments/${enc(exp)}/leaderboard`);
        const benchmarks = [...new Set(data.rows.map(r => r.benchmark))]
          .sort((a, b) => (a === 'in-domain' ? -1 : b === 'in-domain' ? 1 : a < b ? -1 : 1));
        const key = r => r.method + '|' + r.config_key;
        const methods = [...new Map(data.rows.map(r => [key(r), r])).values()];
        const cell = (m, b) => data.rows.find(r => key(r) === key(m) && r.benchmark === b);
        const paper = $('paper-table');
        paper.tHead.replaceChildren(el('tr', {}, el('th', {}, 'method'), el('th', {}, 'config'),
          ...benchmarks.map(b => el('th', {}, b))));
        fill(paper.tBodies[0], methods.map(m => el('tr', {}, el('td', {}, m.method), el('td', {}, m.config_key),
          ...benchmarks.map(b => { const r = cell(m, b); return el('td', { class: 'num' },
            r ? `${pts(r.mean)} ± ${pts(r.std)}` : '–'); }))));
        const comparison = r => data.comparisons.find(c => c.benchmark === r.benchmark && c.method === r.method
          && c.config_key === r.config_key);
        $('benchmarks').replaceChildren(...benchmarks.map(b => el('section', {}, el('h2', {}, b),
          el('table', { testid: 'leaderboard-table', 'data-benchmark': b },
            el('thead', {}, el('tr', {}, ...['method', 'config', 'mean', 'std', 'seeds', 'Δ', '95% interval',
              'Welch p', 'MDE', 'verdict'].map(h => el('th', {}, h)))),
            el('tbody', {}, ...data.rows.filter(r => r.benchmark === b).map(r => {
              const c = comparison(r);
              return el('tr', { testid: 'leaderboard-row', 'data-method': r.method, 'data-config': r.config_key,
                'data-benchmark': r.benchmark },
                el('td', {}, r.method), el('td', {}, r.config_key),
                el('td', { class: 'num', testid: 'lb-mean' }, pts(r.mean)),
                el('td', { class: 'num', testid: 'lb-std' }, pts(r.std)),
                el('td', { class: 'num', testid: 'lb-seeds' }, r.seeds),
                el('td', { class: 'num' }, c ? pts(c.difference) : ''),
                el('td', { class: 'num' }, c && c.low !== null ? `[${pts(c.low)}, ${pts(c.high)}]` : ''),
                el('td', { class: 'num' }, c ? num(c.welch_p) : ''), el('td', { class: 'num' }, c ? pts(c.mde) : ''),
                el('td', {}, c ? c.verdict_text : ''));
            }))))));
        fill($('comparisons-table').tBodies[0], data.comparisons.map(c => el('tr',
          { testid: 'comparison-row', 'data-method': c.method, 'data-benchmark': c.benchmark },
          el('td', {}, c.benchmark), el('td', {}, c.method), el('td', {}, c.config_key), el('td', {}, c.baseline),
          el('td', { class: 'num' }, pts(c.difference)),
          el('td', { class: 'num' }, c.low !== null ? `[${pts(c.low)}, ${pts(c.high)}]` : '–'),
          el('td', { class: 'num' }, num(c.welch_p)), el('td', { class: 'num' }, pts(c.mde)),
          el('td', {}, c.verdict_text + (c.note ? ' (' + c.note + ')' : '')))));
      }, 2000);
    },

    run() {
      $('title').textContent = 'Run ' + run;
      $('experiment-link').href = '/experiments/' + enc(exp);
      let drawn = '';
      poll(async () => {
        const data = await getJson(`/api/experiments/${enc(exp)}/runs/${enc(run)}`);
        const s = data.status;
        $('run-status').textContent = s.state;
        $('run-summary').textContent = `${s.method} ${s.config_key} seed ${s.seed}, step ${s.step}/${s.total_steps}, ` +
          `restarts ${s.restarts}, checkpoint ${s.checkpoint_step}`;
        const names = Object.keys(data.metrics);
        const version = names.join(',') + '|' + names.map(n => data.metrics[n].length).join(',') + '|' + s.state;
        if (version !== drawn) {
          drawn = version;
          const stamp = Date.now();
          $('charts').replaceChildren(...names.map(n => el('img', {
            testid: 'chart-' + n.replaceAll('/', '-'), alt: n,
            src: `/api/experiments/${enc(exp)}/runs/${enc(run)}/chart.svg?metric=${enc(n)}&v=${stamp}` })));
        }
        fill($('checkpoints-table').tBodies[0], data.checkpoints.map(c => el('tr',
          { testid: 'checkpoint-row', 'data-step': c.step },
          el('td', { class: 'num' }, c.step), el('td', { class: 'num' }, c.size),
          el('td', { class: 'text' }, c.files.map(f => `${f.name} ${f.size} B ${f.sha256}`).join('\n')),
          el('td', { testid: 'checkpoint-intact' }, c.intact ? 'intact' : c.problem))));
        fill($('failures-table').tBodies[0], s.failures.map(f => el('tr', { testid: 'failure-row' },
          el('td', {}, f.at || ''), el('td', {}, f.kind), el('td', { class: 'num' }, f.step),
          el('td', { class: 'num' }, f.epoch), el('td', {}, f.worker || ''), el('td', { class: 'text' }, f.message))));
        $('notes-list').replaceChildren(...s.notes.map(n => el('li', {}, n)));
        const samples = data.samples;
        $('samples-step').textContent = samples ? `step ${samples.step}` : 'no samples stored yet';
        fill($('samples-table').tBodies[0], (samples ? samples.items : []).map(x => el('tr', { testid: 'sample-row' },
          el('td', { class: 'text' }, x && x.problem !== undefined ? x.problem : JSON.stringify(x)),
          el('td', {}, x && x.answer !== undefined ? x.answer : ''),
          el('td', { class: 'text' }, x && x.response !== undefined ? x.response : ''),
          el('td', {}, x && x.perturbed ? 'yes' : 'no'), el('td', { class: 'num' }, x ? num(x.reward) : ''))));
        const pairs = $('image-pairs');
        if (pairs.dataset.count !== String(data.image_pairs.length)) {
          pairs.dataset.count = data.image_pairs.length;
          pairs.replaceChildren(...data.image_pairs.map(p => el('figure', { testid: 'image-pair' },
            el('img', { src: p.clean, alt: 'clean' }), el('img', { src: p.perturbed, alt: 'perturbed' }),
            el('figcaption', {}, `step ${p.step} #${p.index}: clean | perturbed`))));
        }
      }, 2000);
    },

    async overlay() {
      $('title').textContent = 'Overlay ' + exp;
      $('experiment-link').href = '/experiments/' + enc(exp);
      const query = new URLSearchParams(location.search);
      const data = await getJson('/api/experiments/' + enc(exp));
      const chosen = new Set((query.get('runs') || '').split(',').filter(r => r));
      $('overlay-runs').replaceChildren(...data.runs.slice(0, 200).map(r => el('label', {},
        el('input', { type: 'checkbox', value: r.run, checked: chosen.size === 0 || chosen.has(r.run) }),
        ` ${r.method} s${r.seed}`)));
      let metrics = ['actor/entropy', 'reward/overall', 'val/accuracy'];
      if (data.runs.length > 0) {
        const first = await getJson(`/api/experiments/${enc(exp)}/runs/${enc(data.runs[0].run)}`);
        metrics = [...new Set([...metrics, ...Object.keys(first.metrics)])];
      }
      const select = $('overlay-metric');
      select.replaceChildren(...metrics.map(m => el('option', { value: m }, m)));
      select.value = query.get('metric') || 'actor/entropy';
      const draw = () => {
        const runs = [...document.querySelectorAll('#overlay-runs input:checked')].map(i => i.value).slice(0, 50);
        $('chart-overlay').src = `/api/experiments/${enc(exp)}/chart.svg?metric=${enc(select.value)}` +
          `&runs=${enc(runs.join(','))}&v=${Date.now()}`;
      };
      select.addEventListener('change', draw);
      $('overlay-runs').addEventListener('change', draw);
      draw();
      setInterval(draw, 5000);
    },
  };
  pages[document.body.dataset.page]();
})();
