(function () {
  "use strict";
  var PAGE = 50;

  // ------------------------------------------------------------------ findings drill-down
  var filter = document.getElementById("filter");
  var only = document.getElementById("only-problems");
  function apply() {
    var q = (filter.value || "").toLowerCase();
    var problems = only.checked;
    document.querySelectorAll("#safeguards tr.row").forEach(function (tr) {
      var text = tr.textContent.toLowerCase() + " " + (tr.closest("details.policy") || {dataset: {}}).dataset.policy;
      var ok = (!q || text.indexOf(q) >= 0) && (!problems || tr.dataset.status !== "pass");
      tr.style.display = ok ? "" : "none";
    });
    if (q) {
      document.querySelectorAll("#safeguards details").forEach(function (d) {
        d.open = d.textContent.toLowerCase().indexOf(q) >= 0;
      });
    }
  }
  if (filter && only) {
    filter.addEventListener("input", apply);
    only.addEventListener("change", apply);
    document.getElementById("expand").addEventListener("click", function () {
      document.querySelectorAll("#safeguards details").forEach(function (d) { d.open = true; });
    });
    document.getElementById("collapse").addEventListener("click", function () {
      document.querySelectorAll("#safeguards details").forEach(function (d) { d.open = false; });
    });
  }

  // ------------------------------------------------------------------ tabs
  var tabs = document.querySelectorAll("section.tab");
  var buttons = document.querySelectorAll("#tabs button");
  function show(name) {
    var found = false;
    tabs.forEach(function (t) { if (t.dataset.tab === name) { found = true; } });
    if (!found) { name = "findings"; }
    tabs.forEach(function (t) { t.hidden = t.dataset.tab !== name; });
    buttons.forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
    document.body.dataset.tab = name;
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { show(b.dataset.tab); history.replaceState(null, "", "#" + b.dataset.tab); });
  });

  // ------------------------------------------------------------------ registers
  var dataEl = document.getElementById("register-data");
  var DATA = dataEl ? JSON.parse(dataEl.textContent) : {stacks: []};
  var view = document.getElementById("register-view");
  var stackSel = document.getElementById("reg-stack");
  var current = {stack: 0, register: "dataStores"};

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { n.textContent = text; }
    return n;
  }
  function cellText(v) {
    if (v === null || v === undefined) { return ""; }
    if (Array.isArray(v)) { return v.map(cellText).join("; "); }
    if (v === true) { return "true"; }
    if (v === false) { return "false"; }
    return String(v);
  }
  function shortRef(v) {
    var s = cellText(v);
    return s.indexOf("urn:pulumi:") === 0 ? s.split("::").pop() : s;
  }
  function csvCell(v) {
    var s = cellText(v);
    if (/^[=+\-@\t\r]/.test(s) && isNaN(Number(s))) { s = "'" + s; }
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function toCsv(table) {
    var cols = table.columns, status = cols.filter(function (c) { return c[2] === "status"; });
    var lines = [cols.map(function (c) { return csvCell(c[1]); }).concat(status.map(function (c) {
      return csvCell(c[1] + " (evidence)"); })).join(",")];
    table.rows.forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
    return lines.join("\n") + "\n";
  }
  function download(table) {
    var blob = new Blob([toCsv(table)], {type: "text/csv"});
    var a = el("a", {href: URL.createObjectURL(blob), download: table.csv.split("/").pop()});
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function renderTable(table, host) {
    var box = el("div", {"class": "reg-table card", "data-table": table.id});
    box.appendChild(el("h3", {}, table.title));
    if (table.description) { box.appendChild(el("p", {"class": "sub"}, table.description)); }
    var tools = el("div", {"class": "tools"});
    var q = el("input", {type: "search", placeholder: "Filter rows…", "class": "reg-filter"});
    var sel = el("select", {"class": "reg-status"});
    ["any status", "yes", "no", "unverified", "exempt", "not evaluated", "no policy"].forEach(function (s, i) {
      sel.appendChild(el("option", {value: i ? s : ""}, s));
    });
    var btn = el("button", {"class": "reg-csv"}, table.total > table.rows.length ?
      "Download CSV (first " + table.rows.length + " rows)" : "Download CSV");
    btn.addEventListener("click", function () { download(table); });
    var link = el("a", {href: table.csv, "class": "reg-file"}, table.csv);
    tools.appendChild(q); tools.appendChild(sel); tools.appendChild(btn); tools.appendChild(link);
    box.appendChild(tools);
    var info = el("p", {"class": "dim reg-info"});
    box.appendChild(info);
    var t = el("table", {"class": "register"});
    var head = el("tr");
    var urnIdx = -1;
    table.columns.forEach(function (c, i) {
      if (c[0] === "urn") { urnIdx = i; return; }  // shown as the name's tooltip; in the CSV
      head.appendChild(el("th", {}, c[1]));
    });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var tbody = el("tbody"); t.appendChild(tbody);
    box.appendChild(t);
    var pager = el("div", {"class": "pager"});
    box.appendChild(pager);
    host.appendChild(box);
    var statusIdx = [], evIdx = {};
    table.columns.forEach(function (c, i) { if (c[2] === "status") { evIdx[i] = table.columns.length + statusIdx.length; statusIdx.push(i); } });
    var page = 0;
    function matches(r) {
      var text = q.value.toLowerCase(), st = sel.value;
      if (st && !statusIdx.some(function (i) { return r[i] === st; })) { return false; }
      return !text || r.some(function (v) { return cellText(v).toLowerCase().indexOf(text) >= 0; });
    }
    function draw() {
      var rows = table.rows.filter(matches);
      var pages = Math.max(1, Math.ceil(rows.length / PAGE));
      if (page >= pages) { page = pages - 1; }
      tbody.textContent = "";
      rows.slice(page * PAGE, page * PAGE + PAGE).forEach(function (r) {
        var tr = el("tr");
        table.columns.forEach(function (c, i) {
          if (i === urnIdx) { return; }
          var td = el("td");
          var v = r[i];
          if (c[0] === "name" && urnIdx >= 0) {
            td.appendChild(el("code", {title: cellText(r[urnIdx])}, cellText(v)));
          } else if (c[0] === "type" && typeof v === "string" && v.split(":").length === 3) {
            td.appendChild(el("span", {title: v}, v.split(":")[1]));
          } else if (c[2] === "status" && v) {
            var b = el("span", {"class": "st st-" + String(v).replace(/ /g, "-"), title: r[evIdx[i]] || ""}, v);
            td.appendChild(b);
          } else if (c[2] === "ref") {
            var items = Array.isArray(v) ? v : (v === null || v === undefined ? [] : [v]);
            items.forEach(function (x, k) {
              if (k) { td.appendChild(document.createTextNode(", ")); }
              td.appendChild(el("code", {title: cellText(x)}, shortRef(x)));
            });
          } else {
            td.textContent = cellText(v);
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      var more = table.total - table.rows.length;
      info.textContent = rows.length + " of " + table.rows.length + " row(s) shown by the filter" +
        (more > 0 ? "; " + more + " more row(s) are only in " + table.csv + " and evidence.json" : "");
      pager.textContent = "";
      if (pages > 1) {
        var prev = el("button", {}, "‹ previous"), next = el("button", {}, "next ›");
        prev.disabled = page === 0; next.disabled = page >= pages - 1;
        prev.addEventListener("click", function () { page -= 1; draw(); });
        next.addEventListener("click", function () { page += 1; draw(); });
        pager.appendChild(prev); pager.appendChild(el("span", {}, " page " + (page + 1) + " of " + pages + " "));
        pager.appendChild(next);
      }
    }
    q.addEventListener("input", function () { page = 0; draw(); });
    sel.addEventListener("change", function () { page = 0; draw(); });
    draw();
  }

  function renderRegister() {
    if (!view || !DATA.stacks.length) { return; }
    var stack = DATA.stacks[current.stack] || DATA.stacks[0];
    var reg = stack.registers[current.register] || stack.registers.dataStores;
    view.textContent = "";
    view.dataset.register = current.register;
    view.appendChild(el("h3", {"class": "reg-title"}, reg.title + " — " + stack.stack));
    reg.tables.forEach(function (t) { renderTable(t, view); });
    document.querySelectorAll("#reg-nav button").forEach(function (b) {
      b.classList.toggle("active", b.dataset.register === current.register);
    });
  }
  document.querySelectorAll("#reg-nav button").forEach(function (b) {
    b.addEventListener("click", function () {
      current.register = b.dataset.register; renderRegister();
      history.replaceState(null, "", "#registers/" + current.register);
    });
  });
  if (stackSel) { stackSel.addEventListener("change", function () { current.stack = Number(stackSel.value); renderRegister(); }); }

  var hash = (location.hash || "").replace(/^#/, "").split("/");
  if (hash[0] === "registers" && hash[1]) { current.register = hash[1]; }
  renderRegister();
  show(hash[0] || "findings");
  document.body.dataset.ready = "true";
})();
