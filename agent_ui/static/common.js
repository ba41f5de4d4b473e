'use strict';
// Helpers shared by console.js and board.js. All server text goes through
// textContent, never innerHTML.

const CC = {
  // Create an element with optional class and text.
  el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  },

  // Seconds as m:ss (minutes keep growing past 59).
  mmss(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  },

  // Routing's state names as people say them.
  STATE_LABELS: {
    offline: 'Offline', available: 'Available', away: 'Away', offered: 'Ringing',
    busy: 'On a call', wrap_up: 'Wrap-up', missed: 'Missed an offer',
  },

  stateLabel(state) {
    return CC.STATE_LABELS[state] || state;
  },

  nowSeconds() {
    return Date.now() / 1000;
  },

  // One <li> per entry: "name — points".
  renderLeaderboard(list, entries) {
    const me = document.getElementById('user-name');
    const myName = me ? me.textContent.trim() : null;
    list.replaceChildren(...(entries || []).map((entry) => {
      const li = CC.el('li', entry.agent === myName ? 'me' : '', entry.agent + ' — ' + entry.points);
      li.dataset.agent = entry.agent;
      return li;
    }));
  },

  // Reflect the socket's connection in the #connection badge.
  trackConnection(socket, onProblem) {
    const badge = document.getElementById('connection');
    const show = (connected, text) => {
      badge.dataset.connected = String(connected);
      badge.textContent = text;
    };
    socket.on('connect', () => show(true, 'connected'));
    socket.on('disconnect', () => show(false, 'reconnecting…'));
    socket.on('connect_error', (err) => {
      show(false, 'offline');
      if (onProblem) onProblem('Cannot connect: ' + (err && err.message ? err.message : 'unknown error'));
    });
  },
};
