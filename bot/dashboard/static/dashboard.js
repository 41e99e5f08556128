// The programme dashboard: one request for the data, then plain DOM (no framework).
// In Teams the page signs in with the tab's single sign-on token; outside Teams it uses the
// signed link from the `dashboard` command (kept for this browser tab only).
'use strict';

(function () {
  const API = 'api/data';
  const LINK_KEY = 'stepforward-dashboard-link';
  const THEMES = ['default', 'dark', 'contrast'];
  const TEAMS_TIMEOUT_MS = 15000;
  const SERIES = ['series-a', 'series-b', 'series-c', 'series-d'];
  const STATE_SYMBOLS = {
    held: '✓',
    verified: '✓✓',
    booked: 'B',
    missed: '✗',
    due: '!',
    upcoming: '',
    ended: '–',
  };
  const STATE_WORDS = {
    held: 'held',
    verified: 'held, confirmed by both',
    booked: 'booked',
    missed: 'missed',
    due: 'this month, not booked yet',
    upcoming: 'to come',
    ended: 'after the pairing ended',
  };
  const COLOURS = ['red', 'amber', 'green'];
  const NOT_KNOWN = 'not known';

  const TEAMS_JS = 'static/vendor/MicrosoftTeams.min.js';
  const page = { data: null, inTeams: false, authorise: null };
  let teams = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** The server's sentences mark commands as **bold**, as in chat. */
  function withBold(text) {
    const fragment = document.createDocumentFragment();
    String(text).split('**').forEach((part, index) => {
      fragment.append(index % 2 ? el('strong', { text: part }) : document.createTextNode(part));
    });
    return fragment;
  }

  function showStatus(text, problem) {
    const status = $('status');
    status.hidden = false;
    status.className = problem ? 'status problem' : 'status';
    status.replaceChildren(withBold(text));
  }

  // --- theme -----------------------------------------------------------------------------

  function applyTheme(theme) {
    document.documentElement.dataset.theme = THEMES.includes(theme) ? theme : 'default';
  }

  function followBrowserTheme() {
    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    const forced = window.matchMedia('(forced-colors: active)');
    const choose = () => applyTheme(forced.matches ? 'contrast' : dark.matches ? 'dark' : 'default');
    choose();
    dark.addEventListener('change', choose);
    forced.addEventListener('change', choose);
  }

  // --- signing in ------------------------------------------------------------------------

  /** This browser tab's storage, or null where the browser refuses it (a framed page). */
  function tabStorage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null;
    }
  }

  function linkToken() {
    const fromAddress = new URLSearchParams(window.location.hash.slice(1)).get('link');
    const storage = tabStorage();
    if (fromAddress) {
      if (storage) storage.setItem(LINK_KEY, fromAddress);
      // Out of the address bar (and of anything copied from it).
      history.replaceState(null, '', window.location.pathname + window.location.search);
      return fromAddress;
    }
    return storage ? storage.getItem(LINK_KEY) : null;
  }

  function withTimeout(promise) {
    return Promise.race([
      promise,
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), TEAMS_TIMEOUT_MS)),
    ]);
  }

  /** Microsoft's Teams library, loaded only when the page is inside a host (an iframe). */
  function loadTeamsLibrary() {
    return new Promise((resolve, reject) => {
      const script = el('script', { src: TEAMS_JS });
      script.addEventListener('load', () => resolve(window.microsoftTeams));
      script.addEventListener('error', () => reject(new Error('the Teams library did not load')));
      document.head.append(script);
    });
  }

  async function startInTeams() {
    teams = await loadTeamsLibrary();
    await withTimeout(teams.app.initialize());
    page.inTeams = true;
    const context = await teams.app.getContext();
    applyTheme(context.app && context.app.theme);
    teams.app.registerOnThemeChangeHandler(applyTheme);
    teams.app.notifySuccess().catch(() => {});
    page.authorise = async () => `Bearer ${await teams.authentication.getAuthToken()}`;
  }

  async function start() {
    const link = linkToken();
    if (link) {
      followBrowserTheme();
      page.authorise = async () => `Link ${link}`;
    } else if (window.parent !== window) {
      try {
        await startInTeams();
      } catch (error) {
        showStatus('Teams did not let the dashboard sign you in. Close the tab and open it ' +
          'again; if that does not help, ask for a link with **dashboard** in the coordinator ' +
          'channel.', true);
        return;
      }
    } else {
      followBrowserTheme();
      showStatus('Open this page from the Dashboard tab in Teams, or ask for a link with ' +
        '**dashboard** in the coordinator channel.', true);
      return;
    }
    await load();
  }

  async function load() {
    let response;
    try {
      response = await fetch(API, {
        headers: { Authorization: await page.authorise(), Accept: 'application/json' },
        cache: 'no-store',
      });
    } catch (error) {
      showStatus('The dashboard could not reach Step Forward. Check your connection and ' +
        'reload the page.', true);
      return;
    }
    let body = {};
    try {
      body = await response.json();
    } catch (error) {
      body = {};
    }
    if (!response.ok) {
      showStatus(body.error || `Step Forward answered ${response.status}. Please try again.`, true);
      return;
    }
    page.data = body;
    render(body);
  }

  // --- rendering -------------------------------------------------------------------------

  function formatTime(iso) {
    return new Date(iso).toLocaleString('en-GB', {
      day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
    });
  }

  function formatDay(isoDay) {
    return new Date(`${isoDay}T12:00:00Z`).toLocaleDateString('en-GB', {
      day: 'numeric', month: 'short', year: 'numeric',
    });
  }

  function numberCell(value) {
    return typeof value === 'number'
      ? el('td', { class: 'number', text: value })
      : el('td', { class: 'number hidden-group', text: value });
  }

  function table(target, headings, rows, caption) {
    const head = el('tr', {}, ...headings.map((h, i) => el('th', {
      scope: 'col', class: i ? 'number' : null, text: h,
    })));
    target.replaceChildren(
      caption ? el('caption', { class: 'sr', text: caption }) : null,
      el('thead', {}, head),
      el('tbody', {}, ...rows),
    );
  }

  function legend(target, names) {
    target.replaceChildren(...names.map((name, i) => el('span', {},
      el('span', { class: `swatch ${SERIES[i]}` }), name)));
  }

  function render(data) {
    $('status').hidden = true;
    if (!data.programme) {
      showStatus(data.message || 'There is no programme yet.');
      return;
    }
    $('title').textContent = `Programme dashboard: ${data.programme.name}`;
    const viewer = data.viewer && data.viewer.name ? ` · ${data.viewer.name}` : '';
    $('as-of').textContent = `As of ${formatTime(data.as_of)}${viewer}`;
    $('sections').hidden = false;
    $('views').hidden = false;
    renderSummary(data);
    renderFunnel(data.funnel);
    renderPairs(data);
    renderEscalations(data.escalations);
    renderSurveys(data.surveys, data.check_ins);
    renderEquality(data.equality);
    renderMore(data.more);
  }

  function renderSummary(data) {
    const tiles = [];
    const tile = (label, value, attention) => el('div', { class: attention ? 'tile attention' : 'tile' },
      el('span', { class: 'value', text: value }), label);
    if (data.pairs_summary) {
      tiles.push(tile('pairs active', data.pairs_summary.active));
      tiles.push(tile('sessions achieved vs planned', data.sessions.rate));
      tiles.push(tile('pairs stalled now', data.pairs_summary.stalled, data.pairs_summary.stalled > 0));
    }
    if (data.escalations) {
      const unowned = data.escalations.filter((e) => !e.assigned_to && !e.acknowledged_by).length;
      tiles.push(tile('open escalations', data.escalations.length));
      tiles.push(tile('not acknowledged yet', unowned, unowned > 0));
    }
    $('summary').replaceChildren(...tiles);
  }

  function sectionNotForYou(id, text) {
    const section = $(id);
    section.replaceChildren(section.querySelector('h2'), el('p', { class: 'muted', text }));
  }

  function renderFunnel(funnel) {
    if (!funnel) {
      sectionNotForYou('applications', 'The figures are for programme coordinators.');
      return;
    }
    const stages = funnel.stages;
    const rows = funnel.organisations.map((org) => el('tr', {},
      el('th', { scope: 'row', text: org.name }),
      ...(org.counts ? org.counts.map(numberCell)
        : [el('td', { class: 'hidden-group', colspan: stages.length, text: org.hidden })])));
    rows.push(el('tr', { class: 'all' }, el('th', { scope: 'row', text: 'All' }),
      ...funnel.all.map(numberCell)));
    table($('funnel-table'), ['Organisation', ...stages], rows, 'Applications by organisation');
    const shown = funnel.organisations.filter((org) => org.counts);
    legend($('funnel-legend'), stages);
    // Horizontal bars are drawn from the bottom up: reversed, the first organisation is on top.
    const topDown = [...shown].reverse();
    drawChart('funnel-chart', () => new Chartist.BarChart('#funnel-chart', {
      labels: topDown.map((org) => org.name),
      // Each group reads requested → selected from the top; colours stay those of the legend.
      series: stages.map((_, i) => ({
        className: `ct-series-${'abcd'[i]}`,
        data: topDown.map((org) => org.counts[i]),
      })).reverse(),
    }, {
      horizontalBars: true,
      seriesBarDistance: 9,
      height: `${Math.max(120, shown.length * 48 + 40)}px`,
      axisY: { offset: 100 },
      axisX: { onlyInteger: true },
    }), shown.length > 0);
  }

  function drawChart(id, draw, hasData) {
    const target = $(id);
    target.replaceChildren();
    if (!hasData || !window.Chartist) {
      target.hidden = true;
      return;
    }
    target.hidden = false;
    draw();
  }

  // --- pairs -----------------------------------------------------------------------------

  function renderPairs(data) {
    const pairs = data.pairs;
    if (data.sessions) renderSessions(data.sessions);
    if (!pairs) {
      $('pair-filters').hidden = true;
      $('pairs-grid').closest('.grid-wrap').hidden = true;
      $('month-legend').hidden = true;
      $('pairs-count').textContent = 'The grid of pairs is for programme coordinators.';
      return;
    }
    const states = pairs.month_states;
    const escalated = new Map();
    for (const escalation of data.escalations || []) {
      if (escalation.pair_id && !escalated.has(escalation.pair_id)) {
        escalated.set(escalation.pair_id, escalation.id);
      }
    }
    const columns = Object.fromEntries(pairs.columns.map((name, i) => [name, i]));
    const rows = pairs.rows.map((row) => {
      const mentor = pairs.mentors[row[columns.mentor]];
      const health = pairs.health[String(row[columns.id])] || null;
      return {
        id: row[columns.id],
        trainee: row[columns.trainee],
        organisations: [row[columns.organisation], mentor[1]].filter((o) => o !== null),
        mentorIndex: row[columns.mentor],
        mentor: mentor[0],
        organisation: row[columns.organisation] === null ? null : pairs.organisations[row[columns.organisation]],
        pairedOn: row[columns.paired_on],
        status: row[columns.status],
        months: Array.from(row[columns.months], (letter) => states[letter]),
        health,
        colour: health && COLOURS.includes(health.colour) ? health.colour : NOT_KNOWN,
        escalation: escalated.get(row[columns.id]),
      };
    });
    const length = Math.max(data.programme.length_months, ...rows.map((r) => r.months.length));
    page.pairs = { rows, length, organisations: pairs.organisations };
    fillFilters(pairs, rows);
    $('month-legend').replaceChildren(...Object.keys(STATE_WORDS).map((state) => el('li', {},
      el('span', { class: `cell ${state}`, 'aria-hidden': 'true', text: STATE_SYMBOLS[state] }),
      ` ${STATE_WORDS[state]}`)));
    drawGrid();
  }

  function option(value, text, selected) {
    return el('option', { value, selected: selected || null, text });
  }

  function fillFilters(pairs, rows) {
    const keep = (id) => $(id).value;
    const organisation = keep('filter-organisation');
    const mentor = keep('filter-mentor');
    const colour = keep('filter-colour');
    $('filter-organisation').replaceChildren(option('', 'All organisations'),
      ...pairs.organisations.map((name, i) => [name, i])
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([name, i]) => option(String(i), name, String(i) === organisation)));
    $('filter-mentor').replaceChildren(option('', 'All mentors'),
      ...pairs.mentors.map((m, i) => [m[0], i])
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([name, i]) => option(String(i), name, String(i) === mentor)));
    const colours = [...COLOURS.filter((c) => rows.some((r) => r.colour === c)), NOT_KNOWN];
    $('filter-colour').replaceChildren(option('', 'Any'),
      ...colours.map((c) => option(c, c === NOT_KNOWN ? 'Not known yet' : c[0].toUpperCase() + c.slice(1), c === colour)));
  }

  function chosen() {
    return {
      organisation: $('filter-organisation').value,
      mentor: $('filter-mentor').value,
      colour: $('filter-colour').value,
      missed: $('filter-missed').checked,
    };
  }

  function drawGrid() {
    const { rows, length } = page.pairs;
    const filter = chosen();
    const shown = rows.filter((row) =>
      (filter.organisation === '' || row.organisations.includes(Number(filter.organisation))) &&
      (filter.mentor === '' || row.mentorIndex === Number(filter.mentor)) &&
      (filter.colour === '' || row.colour === filter.colour) &&
      (!filter.missed || row.months.includes('missed')));
    const head = el('tr', {}, el('th', { scope: 'col', class: 'pair', text: 'Trainee and mentor' }),
      ...Array.from({ length }, (_, i) => el('th', { scope: 'col', class: 'month', title: `Programme month ${i + 1}`, text: i + 1 })));
    const body = shown.map((row) => {
      const healthTitle = row.health
        ? `Health: ${row.health.colour}${row.health.reasons && row.health.reasons.length ? ` (${row.health.reasons.join('; ')})` : ''}`
        : 'Health: not known yet';
      const name = el('th', { scope: 'row', class: 'pair' },
        el('span', { class: 'trainee' },
          el('span', { class: `health ${row.health ? row.colour : 'unknown'}`, title: healthTitle, role: 'img', 'aria-label': healthTitle }),
          row.trainee,
          row.escalation ? el('a', { class: 'flag', href: `#escalation-${row.escalation}`, title: 'Open escalation', text: '⚑ escalated' }) : null),
        el('span', { class: 'mentor', text: [`with ${row.mentor}`, row.organisation, `since ${formatDay(row.pairedOn)}`].filter(Boolean).join(' · ') }),
        row.status !== 'active' ? el('span', { class: 'ended', text: row.status === 'completed' ? 'completed' : 'ended early' }) : null);
      const cells = Array.from({ length }, (_, i) => {
        const state = row.months[i];
        if (!state) return el('td', { class: 'month' });
        const words = `Month ${i + 1}: ${STATE_WORDS[state] || state}`;
        return el('td', { class: 'month' },
          el('span', { class: `cell ${state}`, title: words, 'aria-hidden': 'true', text: STATE_SYMBOLS[state] ?? '?' }),
          el('span', { class: 'sr', text: words }));
      });
      return el('tr', { 'data-pair': row.id }, name, ...cells);
    });
    $('pairs-grid').replaceChildren(
      el('caption', { class: 'sr', text: 'Pairs by programme month' }),
      el('thead', {}, head), el('tbody', {}, ...body));
    $('pairs-count').textContent = shown.length === rows.length
      ? `${rows.length} ${rows.length === 1 ? 'pair' : 'pairs'}.`
      : `Showing ${shown.length} of ${rows.length} pairs.`;
  }

  function renderSessions(sessions) {
    const states = sessions.states.map(([word, count]) => `${word}: ${count}`).join(' · ');
    $('sessions-text').textContent =
      `Sessions achieved vs planned: ${sessions.rate}. Of ${sessions.so_far} planned so far: ${states}.`;
    table($('sessions-table'), ['Programme month', 'Planned', 'Achieved'], sessions.months.map(
      ([month, planned, achieved]) => el('tr', {}, el('th', { scope: 'row', text: month }),
        numberCell(planned), numberCell(achieved))), 'Sessions per programme month');
    legend($('sessions-legend'), ['planned', 'achieved (by programme month)']);
    drawChart('sessions-chart', () => new Chartist.BarChart('#sessions-chart', {
      labels: sessions.months.map((m) => String(m[0])),
      series: [sessions.months.map((m) => m[1]), sessions.months.map((m) => m[2])],
    }, {
      height: '200px',
      seriesBarDistance: 12,
      axisY: { onlyInteger: true, offset: 30 },
    }), sessions.months.length > 0);
  }

  // --- escalations -----------------------------------------------------------------------

  function openInTeams(event) {
    if (!page.inTeams) return;
    event.preventDefault();
    teams.app.openLink(event.currentTarget.href).catch(() => {
      window.open(event.currentTarget.href, '_blank', 'noopener');
    });
  }

  function renderEscalations(escalations) {
    const list = $('escalation-list');
    if (!escalations) {
      sectionNotForYou('escalations', 'Escalations are for programme coordinators and the champion.');
      return;
    }
    if (escalations.length === 0) {
      list.replaceChildren(el('li', { text: 'No open escalations.' }));
      return;
    }
    list.replaceChildren(...escalations.map((e) => {
      const onIt = e.assigned_to
        ? `Assigned to ${e.assigned_to}`
        : e.acknowledged_by ? `Acknowledged by ${e.acknowledged_by}, not assigned` : 'Nobody on it yet';
      const link = e.link
        ? el('a', { class: 'open-link', href: e.link, target: '_blank', rel: 'noopener', text: 'Open its card in Teams' })
        : el('span', { class: 'muted', text: 'Its card has not reached the coordinator channel yet.' });
      if (e.link) link.addEventListener('click', openInTeams);
      return el('li', { id: `escalation-${e.id}`, class: e.assigned_to || e.acknowledged_by ? '' : 'unowned' },
        el('h3', { text: e.title }),
        el('p', {}, e.who, ' · ', el('span', { title: formatTime(e.opened_at), text: `open ${e.age}` })),
        el('p', { class: 'on-it', text: onIt }),
        e.latest ? el('p', { class: 'muted', text: e.latest }) : null,
        link);
    }));
  }

  // --- surveys and equality --------------------------------------------------------------

  function resultList(results) {
    return el('dl', { class: 'results' }, ...results.flatMap((item) => [
      el('dt', { text: item.text }), el('dd', { text: item.shown }),
    ]));
  }

  function renderSurveys(surveys, checkIns) {
    if (!surveys) {
      sectionNotForYou('surveys', 'Survey figures are for programme coordinators.');
      return;
    }
    table($('survey-rates'), ['Survey', 'Asked', 'Answered', 'Response rate'], surveys.map((s) => el('tr', {},
      el('th', { scope: 'row', text: s.title }), numberCell(s.asked), numberCell(s.answered),
      el('td', { class: 'number', text: s.rate }))), 'Survey response rates');
    const asked = surveys.filter((s) => s.asked > 0).reverse();
    drawChart('surveys-chart', () => new Chartist.BarChart('#surveys-chart', {
      labels: asked.map((s) => s.title),
      series: [asked.map((s) => Math.round((100 * s.answered) / s.asked))],
    }, {
      horizontalBars: true,
      high: 100,
      low: 0,
      height: `${Math.max(100, asked.length * 34 + 40)}px`,
      axisY: { offset: 120 },
      axisX: {
        type: Chartist.FixedScaleAxis,
        ticks: [0, 25, 50, 75, 100],
        labelInterpolationFnc: (value) => `${value}%`,
      },
    }), asked.length > 0);
    const results = [];
    for (const survey of surveys) {
      results.push(el('h4', { text: survey.title }));
      if (survey.rounds) {
        if (survey.rounds.length === 0) results.push(el('p', { class: 'muted', text: 'No answers yet.' }));
        for (const round of survey.rounds) {
          results.push(round.results
            ? el('div', {}, el('p', { text: `${round.title} (${round.answers} answered)` }), resultList(round.results))
            : el('p', { class: 'muted', text: `${round.title}: ${round.answers} answers so far` }));
        }
      } else if (survey.results) {
        results.push(el('p', { class: 'muted', text: `${survey.answers} answers` }), resultList(survey.results));
      } else {
        results.push(el('p', { class: 'muted', text: `${survey.answers} answers so far` }));
      }
    }
    $('survey-results').replaceChildren(...results);
    table($('check-ins'), ['Answer', 'How many'], (checkIns || []).map(([word, count]) => el('tr', {},
      el('th', { scope: 'row', text: word }), numberCell(count))), 'Check-in answers');
  }

  function renderEquality(equality) {
    if (!equality) {
      sectionNotForYou('equality', 'Equality figures are for programme coordinators.');
      return;
    }
    $('equality-tables').replaceChildren(...equality.questions.map((question) => {
      const target = el('table', { 'data-question': question.id });
      const rows = question.groups.map(([group, applied, accepted]) => el('tr', {},
        el('th', { scope: 'row', text: group }), numberCell(applied), numberCell(accepted)));
      rows.push(el('tr', { class: 'all' }, el('th', { scope: 'row', text: 'All' }),
        numberCell(question.all[0]), numberCell(question.all[1])));
      table(target, ['Group', 'Applied', 'Accepted'], rows, question.heading);
      return el('div', {}, el('h3', { text: question.heading }), el('div', { class: 'table-wrap' }, target));
    }));
    $('equality-note').textContent = equality.note;
  }

  // The sections other features add to the report, as the report shows them.
  function renderMore(more) {
    if (!more) {
      sectionNotForYou('more', 'These figures are for programme coordinators.');
      return;
    }
    $('more-body').replaceChildren(...more.map((section) => {
      const target = el('table', {});
      const rows = section.facts.map((fact) => el('tr', {},
        el('th', { scope: 'row', text: fact.title }), el('td', { text: fact.value })));
      table(target, ['', ''], rows, section.heading);
      return el('div', {}, el('h3', { text: section.heading }),
        el('div', { class: 'table-wrap' }, target),
        section.note ? el('p', { class: 'muted', text: section.note }) : null);
    }));
  }

  const FILTERS = new Set(['filter-organisation', 'filter-mentor', 'filter-colour', 'filter-missed']);
  document.addEventListener('change', (event) => {
    if (FILTERS.has(event.target.id) && page.pairs) drawGrid();
  });

  start();
})();
