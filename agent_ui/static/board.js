'use strict';
// Supervisor board: re-renders on every pushed `board` event and ticks the
// clocks locally; it never asks the server for anything.

(() => {
  const $ = (id) => document.getElementById(id);
  const socket = io('/supervisor');

  // Server clock minus browser clock, so waits are measured on the server's time.
  let skew = 0;

  function serverNow() {
    return CC.nowSeconds() + skew;
  }

  function elapsed(since) {
    return since === null || since === undefined ? '—' : CC.mmss(serverNow() - since);
  }

  function renderQueues(queues) {
    $('queues').tBodies[0].replaceChildren(...(queues || []).map((q) => {
      const tr = CC.el('tr', 'queue-row');
      tr.dataset.queue = q.name;
      const longest = CC.el('td', 'longest-wait');
      if (q.oldest_enqueued_at !== null && q.oldest_enqueued_at !== undefined) {
        longest.dataset.since = String(q.oldest_enqueued_at);
      }
      tr.append(
        CC.el('td', 'name', q.name), CC.el('td', 'waiting', q.waiting), longest,
        CC.el('td', 'service-level', percent(q.service_level)),
        CC.el('td', 'asa', seconds(q.asa)),
        CC.el('td', 'aht', seconds(q.aht)),
        CC.el('td', 'abandon-rate', percent(q.abandon_rate)),
        CC.el('td', 'answered', q.answered === undefined ? '—' : q.answered),
      );
      return tr;
    }));
  }

  // A metric with nothing to measure yet is a dash, never a made-up 0.
  function percent(ratio) {
    return ratio === null || ratio === undefined ? '—' : Math.round(ratio * 100) + '%';
  }

  function seconds(value) {
    return value === null || value === undefined ? '—' : CC.mmss(value);
  }

  function renderAgents(agents) {
    $('agents').tBodies[0].replaceChildren(...(agents || []).map((a) => {
      const tr = CC.el('tr', 'agent-row');
      tr.dataset.agent = a.name;
      tr.dataset.state = a.state;
      const time = CC.el('td', 'time-in-state');
      if (a.since !== null && a.since !== undefined) time.dataset.since = String(a.since);
      tr.append(CC.el('td', 'name', a.name), CC.el('td', 'state', CC.stateLabel(a.state)), time);
      return tr;
    }));
    // Agents by state, at a glance.
    const counts = {};
    for (const a of agents || []) counts[a.state] = (counts[a.state] || 0) + 1;
    $('agent-counts').replaceChildren(...Object.keys(CC.STATE_LABELS).filter((s) => counts[s]).map((s) => {
      const li = CC.el('li', 'state-count', CC.stateLabel(s) + ': ' + counts[s]);
      li.dataset.state = s;
      return li;
    }));
  }

  function renderVoicemails(voicemails) {
    const rows = (voicemails || []).map((v) => {
      const tr = CC.el('tr', 'voicemail-row');
      tr.dataset.callSid = v.call_sid;
      const link = CC.el('td', 'message');
      if (/^https:\/\//.test(v.url || '')) {
        const a = CC.el('a', '', '▶ play');
        a.href = v.url;
        a.target = '_blank';
        a.rel = 'noopener';
        link.append(a);
      }
      tr.append(
        CC.el('td', 'left-at', new Date(v.called_at).toLocaleString()),
        CC.el('td', 'caller', v.caller), CC.el('td', 'phone', v.phone),
        CC.el('td', 'length', v.seconds == null ? '—' : CC.mmss(v.seconds)), link,
      );
      return tr;
    });
    $('voicemails').tBodies[0].replaceChildren(...rows);
    $('voicemails-empty').hidden = rows.length > 0;
  }

  function tick() {
    for (const cell of document.querySelectorAll('td.longest-wait, td.time-in-state')) {
      cell.textContent = elapsed(cell.dataset.since === undefined ? null : Number(cell.dataset.since));
    }
  }

  socket.on('board', (board) => {
    if (typeof board.now === 'number') skew = board.now - CC.nowSeconds();
    renderQueues(board.queues);
    $('metrics-note').textContent = 'Metrics over the last ' + board.metrics_window_hours +
      ' h; service level target ' + board.service_level_seconds + ' s.';
    renderAgents(board.agents);
    renderVoicemails(board.voicemails);
    CC.renderLeaderboard($('leaderboard'), board.leaderboard);
    tick();
  });

  CC.trackConnection(socket);
  setInterval(tick, 1000);
})();
