// kbundle report: pages and filters the tables and renders the findings the page left out,
// from the JSON data block. Every string in that block comes from a bundle, so the DOM is
// built with createElement and textContent only: no markup is ever parsed from a string.
(function () {
  'use strict';

  var PAGE = 100;
  var CHUNK = 200;
  var data = JSON.parse(document.getElementById('kbundle-data').textContent);
  var S = data.s;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function on(target, type, fn) {
    if (target) target.addEventListener(type, fn);
  }

  // Pods arrive column by column, names and IPs front-coded (see docs/html-report.md):
  // decode once, when first needed.
  var podRows = null;
  function pods() {
    if (podRows) return podRows;
    var p = data.pods;
    var n = p.namespace.length;
    var rows = new Array(n);
    var name = '';
    var lastIp = new Map();
    for (var i = 0; i < n; i++) {
      name = name.slice(0, p.name_keep[i]) + p.name_rest[i];
      var node = S[p.node[i]];
      var ip = (lastIp.get(node) || '').slice(0, p.ip_keep[i]) + p.ip_rest[i];
      lastIp.set(node, ip);
      var shape = p.shapes[p.shape[i]];
      rows[i] = [S[p.namespace[i]], name, S[shape[0]], S[shape[1]], S[shape[2]], S[shape[3]],
        ip, node];
    }
    podRows = rows;
    return rows;
  }

  // A table whose first page the page already holds; the rest is paged from the data.
  function Table(name, rows, options) {
    this.table = document.querySelector('table[data-table="' + name + '"]');
    if (!this.table) return;
    this.name = name;
    this.rows = rows;
    this.keys = null;
    this.matches = null;
    this.page = 0;
    this.predicate = options.predicate || null;
    this.rowElement = options.rowElement || plainRow;
    this.status = document.querySelector('[data-status="' + name + '"]');
    var pager = document.querySelector('[data-pager="' + name + '"]');
    var self = this;
    if (pager) {
      this.prev = pager.querySelector('[data-page="prev"]');
      this.next = pager.querySelector('[data-page="next"]');
      on(this.prev, 'click', function () { self.turn(-1); });
      on(this.next, 'click', function () { self.turn(1); });
      this.prev.disabled = true;
      this.next.disabled = rows().length <= PAGE;
    }
    var timer = null;
    this.input = document.querySelector('input[data-filter="' + name + '"]');
    on(this.input, 'input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.filter(); }, 120);
    });
    this.table.setAttribute('data-matching', String(rows().length));
  }

  Table.prototype.turn = function (step) {
    var total = this.matches ? this.matches.length : this.rows().length;
    var last = Math.max(0, Math.ceil(total / PAGE) - 1);
    this.page = Math.min(last, Math.max(0, this.page + step));
    this.render();
  };

  Table.prototype.filter = function () {
    var rows = this.rows();
    var query = this.input ? this.input.value.toLowerCase().trim() : '';
    var terms = query ? query.split(/\s+/) : [];
    if (terms.length && !this.keys) {
      this.keys = new Array(rows.length);
      for (var k = 0; k < rows.length; k++) this.keys[k] = rows[k].join('\u0001').toLowerCase();
    }
    if (!terms.length && !this.predicate) {
      this.matches = null;
    } else {
      var out = [];
      for (var i = 0; i < rows.length; i++) {
        if (this.predicate && !this.predicate(rows[i])) continue;
        var key = terms.length ? this.keys[i] : '';
        var ok = true;
        for (var t = 0; t < terms.length; t++) {
          if (key.indexOf(terms[t]) < 0) { ok = false; break; }
        }
        if (ok) out.push(i);
      }
      this.matches = out;
    }
    this.page = 0;
    this.render();
  };

  Table.prototype.render = function () {
    var rows = this.rows();
    var total = this.matches ? this.matches.length : rows.length;
    var start = this.page * PAGE;
    var end = Math.min(start + PAGE, total);
    var body = document.createElement('tbody');
    for (var i = start; i < end; i++) {
      body.appendChild(this.rowElement(rows[this.matches ? this.matches[i] : i]));
    }
    if (total === 0) {
      var tr = el('tr', 'empty');
      var td = el('td', null, 'No matching rows.');
      td.colSpan = this.table.tHead.rows[0].cells.length;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    this.table.replaceChild(body, this.table.tBodies[0]);
    this.table.setAttribute('data-matching', String(total));
    if (this.status) {
      var all = rows.length === total ? '' : ' matching (' + rows.length + ' in all)';
      this.status.textContent = total
        ? 'Rows ' + (start + 1) + '–' + end + ' of ' + total + all
        : 'No rows' + (rows.length ? ' match (' + rows.length + ' in all)' : '');
    }
    if (this.prev) {
      this.prev.disabled = start === 0;
      this.next.disabled = end >= total;
    }
    if (window.performance && performance.mark) performance.mark('kbundle-rendered-' + this.name);
  };

  function plainRow(row) {
    var tr = document.createElement('tr');
    for (var i = 0; i < row.length; i++) tr.appendChild(el('td', null, row[i]));
    return tr;
  }

  // Timeline rows: time, severity, source, node, subject, text, location.
  function timelineRow(row) {
    var tr = el('tr', row[1]);
    tr.appendChild(el('td', 'time', row[0]));
    var sev = el('td');
    sev.appendChild(el('span', 'badge ' + row[1], row[1]));
    tr.appendChild(sev);
    tr.appendChild(el('td', null, row[2]));
    tr.appendChild(el('td', null, row[3]));
    tr.appendChild(el('td', null, row[4]));
    tr.appendChild(el('td', 'text', row[5]));
    var where = el('td');
    where.appendChild(el('code', null, row[6]));
    tr.appendChild(where);
    return tr;
  }

  var nodeSelect = document.querySelector('select[data-filter-node="timeline"]');
  var severityBoxes = document.querySelectorAll('input[data-filter-severity="timeline"]');
  function timelinePredicate(row) {
    if (nodeSelect && nodeSelect.value && row[3] !== nodeSelect.value) return false;
    for (var i = 0; i < severityBoxes.length; i++) {
      if (severityBoxes[i].value === row[1]) return severityBoxes[i].checked;
    }
    return true;
  }

  var timeline = new Table('timeline', function () { return data.timeline; }, {
    predicate: timelinePredicate,
    rowElement: timelineRow
  });
  if (timeline.table) {
    on(nodeSelect, 'change', function () { timeline.filter(); });
    for (var b = 0; b < severityBoxes.length; b++) {
      on(severityBoxes[b], 'change', function () { timeline.filter(); });
    }
  }
  new Table('nodes', function () { return data.nodes; }, {});
  new Table('pods', pods, {});

  // Finding cards past the first of each group, built like the template's cards:
  // [id, severity, category, rule, title, subject, message, count, first, last,
  //  remediation (string table), [[location, text], ...], because, [[href, title], ...]].
  function fact(dl, label, value, cls) {
    var div = el('div');
    div.appendChild(el('dt', null, label));
    var dd = el('dd', cls);
    if (typeof value === 'string') dd.textContent = value; else dd.appendChild(value);
    div.appendChild(dd);
    dl.appendChild(div);
  }

  function card(f) {
    var d = el('details', 'finding ' + f[1]);
    d.id = f[0];
    if (f[1] !== 'info') d.open = true;
    var summary = el('summary');
    summary.appendChild(el('span', 'badge ' + f[1], f[1]));
    summary.appendChild(document.createTextNode(' '));
    summary.appendChild(el('span', 'title', f[4]));
    summary.appendChild(document.createTextNode(' '));
    summary.appendChild(el('span', 'count', '×' + f[7]));
    d.appendChild(summary);
    var dl = el('dl', 'finding-facts');
    fact(dl, 'Subject', f[5], 'subject');
    fact(dl, 'Seen', f[8] + ' → ' + f[9]);
    var rule = document.createDocumentFragment();
    rule.appendChild(el('code', null, f[3]));
    rule.appendChild(document.createTextNode(' · '));
    rule.appendChild(el('code', null, f[2]));
    fact(dl, 'Rule', rule);
    d.appendChild(dl);
    if (f[13] && f[13].length) {
      var why = el('p', 'caused-by');
      why.appendChild(el('strong', null, 'Caused by'));
      for (var c = 0; c < f[13].length; c++) {
        why.appendChild(document.createTextNode(c ? '; ' : ' '));
        var a = el('a', null, f[13][c][1]);
        a.setAttribute('href', f[13][c][0]);
        why.appendChild(a);
      }
      why.appendChild(document.createTextNode(': ' + f[12]));
      d.appendChild(why);
    }
    d.appendChild(el('p', 'message', f[6]));
    var todo = el('p', 'remediation');
    todo.appendChild(el('strong', null, 'What to do:'));
    todo.appendChild(document.createTextNode(' ' + S[f[10]]));
    d.appendChild(todo);
    var ol = el('ol', 'evidence');
    for (var i = 0; i < f[11].length; i++) {
      var li = el('li');
      li.appendChild(el('code', 'where', f[11][i][0]));
      li.appendChild(el('pre', null, f[11][i][1]));
      ol.appendChild(li);
    }
    d.appendChild(ol);
    return d;
  }

  var shown = {};
  // Renders up to `count` more findings of a group; returns how many are still hidden.
  function showMore(group, count) {
    var cards = data.findings[group] || [];
    var section = document.getElementById(group);
    if (!section) return 0;
    var list = section.querySelector('.cards');
    var from = shown[group] || 0;
    var to = Math.min(cards.length, from + count);
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(card(cards[i]));
    list.appendChild(frag);
    shown[group] = to;
    var left = cards.length - to;
    var button = section.querySelector('button.show-more');
    if (button) {
      if (left > 0) button.textContent = 'Show ' + left + ' more';
      else button.parentNode.removeChild(button);
    }
    return left;
  }

  on(document, 'click', function (e) {
    var button = e.target.closest && e.target.closest('button.show-more');
    if (button) {
      showMore(button.getAttribute('data-group'), CHUNK);
      return;
    }
    var link = e.target.closest && e.target.closest('a[href^="#"]');
    if (link) reveal(link.getAttribute('href').slice(1));
  });

  // Makes an element of the page visible: renders a finding the page left out, opens it.
  function reveal(id) {
    var target = document.getElementById(id);
    if (!target && /^f-[0-9]+$/.test(id)) {
      for (var group in data.findings) {
        if (!Object.prototype.hasOwnProperty.call(data.findings, group)) continue;
        var cards = data.findings[group];
        for (var i = 0; i < cards.length; i++) {
          if (cards[i][0] === id) {
            showMore(group, cards.length);
            break;
          }
        }
      }
      target = document.getElementById(id);
    }
    if (target && target.tagName === 'DETAILS') target.open = true;
    return target;
  }

  on(window, 'hashchange', function () {
    var target = reveal(location.hash.slice(1));
    if (target) target.scrollIntoView();
  });
  if (location.hash.length > 1) {
    var initial = reveal(location.hash.slice(1));
    if (initial) initial.scrollIntoView();
  }

  // Paper shows every finding's details, then the page returns to how it was.
  var closedForPrint = [];
  on(window, 'beforeprint', function () {
    var all = document.querySelectorAll('details:not([open])');
    for (var i = 0; i < all.length; i++) {
      all[i].open = true;
      closedForPrint.push(all[i]);
    }
  });
  on(window, 'afterprint', function () {
    for (var i = 0; i < closedForPrint.length; i++) closedForPrint[i].open = false;
    closedForPrint = [];
  });

  document.documentElement.setAttribute('data-ready', 'true');
  if (window.performance && performance.mark) performance.mark('kbundle-ready');
})();
