'use strict';
// Agent console: speaks the /agent namespace of docs/protocol.md.

(() => {
  const $ = (id) => document.getElementById(id);
  const IDLE_STATES = ['offline', 'available', 'away', 'missed'];
  const WITHDRAWN = {
    timeout: 'The offer expired.',
    abandoned: 'The caller hung up.',
    taken: 'Another agent took the call.',
  };

  const socket = io('/agent');

  let agentState = null;  // last `state` payload
  let offer = null;       // last `offer` payload, kept as the screen pop
  let phase = null;       // null | 'offered' | 'accepting' | 'connected' | 'wrap_up'
  let callSid = null;
  let connectedAt = null;

  let noticeTimer = null;

  // A notice is news, not a state: it goes away by itself.
  function showNotice(text) {
    $('notice').textContent = text;
    $('notice').hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(clearNotice, 20000);
  }

  function clearNotice() {
    $('notice').textContent = '';
    $('notice').hidden = true;
  }

  // socket.io buffers emits while disconnected and would replay them late
  // (an accept sent minutes after the offer), so refuse instead.
  function send(event, payload) {
    if (!socket.connected) {
      showNotice('Not connected to the server; try again in a moment.');
      return false;
    }
    socket.emit(event, payload);
    return true;
  }

  function orDash(value) {
    return value === null || value === undefined || value === '' ? '—' : String(value);
  }

  function ivrPath(nodes) {
    return nodes && nodes.length ? nodes.join(' → ') : '—';
  }

  function formatDate(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return orDash(iso);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  function renderHistory(history) {
    const rows = (history || []).map((h) => {
      const tr = CC.el('tr', 'history-row');
      tr.dataset.callSid = h.call_sid || '';
      const cells = [
        ['h-date', formatDate(h.started_at)],
        ['h-ivr-path', ivrPath(h.ivr_path)],
        ['h-queue', orDash(h.queue)],
        ['h-wait', h.wait_seconds == null ? '—' : Math.round(h.wait_seconds)],
        ['h-agent', orDash(h.agent)],
        ['h-outcome', orDash(h.outcome)],
        ['h-note', orDash(h.note)],
        ['h-satisfaction', orDash(h.satisfaction)],
      ];
      for (const [cls, text] of cells) tr.append(CC.el('td', cls, text));
      if (h.voicemail_url && /^https:\/\//.test(h.voicemail_url)) {
        // The message the caller left; Twilio asks for the account's credentials to play it.
        const link = CC.el('a', 'voicemail', ' ▶ message' + (h.voicemail_seconds ? ' (' + Math.round(h.voicemail_seconds) + ' s)' : ''));
        link.href = h.voicemail_url;
        link.target = '_blank';
        link.rel = 'noopener';
        tr.querySelector('td.h-outcome').append(link);
      }
      return tr;
    });
    $('history').tBodies[0].replaceChildren(...rows);
    $('history-empty').hidden = rows.length > 0;
  }

  function callerLabel() {
    if (!offer || !offer.customer) return 'caller';
    return offer.customer.name || offer.customer.phone || 'caller';
  }

  function setOfferActions(visible, enabled) {
    $('offer-actions').hidden = !visible;
    $('offer-timer').hidden = !visible;
    $('accept').disabled = !enabled;
    $('decline').disabled = !enabled;
  }

  function setPhase(next) {
    phase = next;
    $('offer').dataset.phase = next || '';
    $('idle').hidden = Boolean(next);
  }

  function resetCall() {
    offer = null;
    callSid = null;
    connectedAt = null;
    setPhase(null);
    $('offer').hidden = true;
    $('in-call').hidden = true;
    $('wrap-up').hidden = true;
    $('note').value = '';
    $('finish-wrap-up').disabled = false;
  }

  // Server clock minus browser clock: countdowns run on the server's time.
  let skew = 0;

  function showOffer(o) {
    if (typeof o.now === 'number') skew = o.now - CC.nowSeconds();
    resetCall();
    offer = o;
    callSid = o.call_sid;
    setPhase('offered');
    const customer = o.customer || {};
    $('offer-title').textContent = 'Incoming call';
    $('offer-queue').textContent = orDash(o.queue);
    $('caller-phone').textContent = orDash(customer.phone);
    $('caller-name').textContent = orDash(customer.name);
    $('caller-calls-count').textContent = orDash(customer.calls_count);
    $('offer-ivr-path').textContent = ivrPath(o.ivr_path);
    renderHistory(o.history);
    setOfferActions(true, true);
    $('offer').hidden = false;
    tick();
  }

  function showInCall(sid) {
    callSid = sid;
    setPhase('connected');
    connectedAt = CC.nowSeconds() + skew;
    setOfferActions(false, false);
    $('offer-title').textContent = 'Current call';
    $('in-call-caller').textContent = callerLabel();
    $('wrap-up').hidden = true;
    $('in-call').hidden = false;
    tick();
  }

  function showWrapUp(sid) {
    callSid = sid;
    setPhase('wrap_up');
    connectedAt = null;
    setOfferActions(false, false);
    $('offer-title').textContent = 'Last call';
    $('in-call').hidden = true;
    $('finish-wrap-up').disabled = false;
    $('wrap-up').hidden = false;
    $('note').focus();
  }

  function renderState(s) {
    agentState = s;
    $('agent-state').textContent = CC.stateLabel(s.state);
    $('agent-state').dataset.state = s.state;
    const locked = ['offered', 'busy', 'wrap_up'].includes(s.state);
    $('go-available').disabled = locked || s.state === 'available';
    $('go-away').disabled = locked || s.state === 'away';

    if (IDLE_STATES.includes(s.state)) {
      // Wrap-up is over (or the call never happened): drop the screen pop.
      if (phase) resetCall();
    } else if (s.state === 'busy' && s.call_sid && !phase) {
      showInCall(s.call_sid);  // page reloaded mid-call
    } else if (s.state === 'wrap_up' && s.call_sid && phase !== 'wrap_up') {
      showWrapUp(s.call_sid);  // page reloaded during wrap-up
    }
    $('idle').hidden = Boolean(phase);
    $('idle-text').textContent = s.state === 'available'
      ? 'Waiting for a call. The caller\'s history will appear here when one is offered.'
      : 'Press Available to receive calls.';
    tick();
  }

  // One timer drives every clock on the page.
  function tick() {
    const now = CC.nowSeconds() + skew;
    $('agent-state-since').textContent =
      agentState && agentState.since ? 'for ' + CC.mmss(now - agentState.since) : '';
    if (offer && phase === 'offered') {
      $('offer-countdown').textContent = String(Math.max(0, Math.ceil(offer.expires_at - now)));
    }
    if (connectedAt !== null) {
      $('in-call-timer').textContent = CC.mmss(now - connectedAt);
    }
  }
  setInterval(tick, 500);

  // --- user actions ---

  for (const button of [$('go-available'), $('go-away')]) {
    button.addEventListener('click', () => {
      clearNotice();
      send('set_state', { state: button.dataset.state });
    });
  }

  $('accept').addEventListener('click', () => {
    if (!offer || phase !== 'offered') return;
    if (!send('accept', { call_sid: offer.call_sid, offer_id: offer.offer_id })) return;
    setPhase('accepting');
    setOfferActions(false, false);
    $('offer-title').textContent = 'Connecting…';
  });

  $('decline').addEventListener('click', () => {
    if (!offer || phase !== 'offered') return;
    if (send('decline', { call_sid: offer.call_sid, offer_id: offer.offer_id })) resetCall();
  });

  $('wrap-up-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!callSid) return;
    // The panels close when the server reports the next state.
    if (send('wrap_up', { call_sid: callSid, note: $('note').value })) {
      $('finish-wrap-up').disabled = true;
    }
  });

  // --- server events ---

  socket.on('state', renderState);
  socket.on('offer', (o) => {
    clearNotice();
    showOffer(o);
  });

  // A console reloaded during a call or its wrap-up gets the caller's page back.
  socket.on('screen_pop', (p) => {
    showOffer(p);
    if (p.phase === 'wrap_up') {
      showWrapUp(p.call_sid);
    } else {
      showInCall(p.call_sid);
      if (typeof p.answered_at === 'number') connectedAt = p.answered_at;
    }
  });

  socket.on('offer_withdrawn', (p) => {
    if (!offer || p.call_sid !== offer.call_sid) return;
    if (phase !== 'offered' && phase !== 'accepting') return;
    resetCall();
    showNotice(WITHDRAWN[p.reason] || 'The offer was withdrawn.');
  });

  socket.on('call_connected', (p) => {
    clearNotice();
    showInCall(p.call_sid);
  });
  socket.on('call_ended', (p) => showWrapUp(p.call_sid));
  socket.on('leaderboard', (entries) => CC.renderLeaderboard($('leaderboard'), entries));

  socket.on('error', (p) => {
    showNotice((p && p.message) || 'Something went wrong.');
    if (phase === 'accepting' && offer) {
      setPhase('offered');
      setOfferActions(true, true);
      $('offer-title').textContent = 'Incoming call';
    }
    $('finish-wrap-up').disabled = false;
  });

  socket.on('disconnect', () => {
    $('go-available').disabled = true;
    $('go-away').disabled = true;
  });

  // Presence: the server forgets a console that stops saying this (a closed laptop).
  setInterval(() => { if (socket.connected) socket.emit('alive'); }, 15000);

  CC.trackConnection(socket, showNotice);
})();
