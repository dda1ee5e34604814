/* buildprof site: the pages' scripts (plain ES2017, no dependency but uPlot on the
 * project pages). The pages carry every table in their HTML; this script adds what
 * needs a script: the index's filters, the project charts (uPlot) with their hover
 * and click-for-details, and the compare page's picker (compare.js).
 *
 * Data files are `data/NAME.js`, each one call `bp.put("NAME", {...})`, loaded with a
 * <script> tag: browsers refuse the fetch API on file:// addresses; a script tag works from
 * file:// and from any static host.
 */
(function () {
  "use strict";
  var bp = (window.bp = window.bp || {});
  var got = {};
  var waiting = {};
  bp.root = "";
  bp.charts = [];

  bp.put = function (name, payload) {
    got[name] = payload;
    (waiting[name] || []).forEach(function (w) { w.resolve(payload); });
    delete waiting[name];
  };

  bp.load = function (name) {
    return new Promise(function (resolve, reject) {
      if (Object.prototype.hasOwnProperty.call(got, name)) { resolve(got[name]); return; }
      var first = !waiting[name];
      (waiting[name] = waiting[name] || []).push({ resolve: resolve, reject: reject });
      if (!first) return;
      var s = document.createElement("script");
      s.src = bp.root + "data/" + name + ".js";
      s.onerror = function () {
        var err = new Error("cannot load data/" + name + ".js");
        (waiting[name] || []).forEach(function (w) { w.reject(err); });
        delete waiting[name];
      };
      document.head.appendChild(s);
    });
  };

  // -- text, as the Python renderers write it ------------------------------------------

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  bp.esc = esc;

  // report/compare.py value_text for seconds
  function seconds(x) {
    if (x == null || !isFinite(x)) return "-";
    if (x < 10) return x.toFixed(3) + " s";
    return x < 100 ? x.toFixed(2) + " s" : x.toFixed(1) + " s";
  }
  bp.seconds = seconds;

  // analysis/wording.py size
  function size(n) {
    if (n == null || !isFinite(n)) return "-";
    var units = ["B", "KiB", "MiB", "GiB"];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(n) < 1024 || units[i] === "GiB") {
        if (units[i] === "B") return Math.trunc(n) + " B";
        return units[i] === "GiB" ? n.toFixed(2) + " GiB" : n.toFixed(1) + " " + units[i];
      }
      n /= 1024;
    }
    return n.toFixed(2) + " TiB";
  }
  bp.size = size;

  function when(iso) { return iso ? String(iso).slice(0, 16).replace("T", " ") : "-"; }

  // -- the index: search and filters ---------------------------------------------------

  function indexPage() {
    var form = document.getElementById("filters");
    var table = document.getElementById("series");
    if (!form || !table) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr.series"));
    var heads = Array.prototype.slice.call(table.querySelectorAll("tr.project"));
    var fields = [["lang", "every language"], ["machine", "every machine"],
                  ["scenario", "every scenario"], ["profile", "every profile"]];
    fields.forEach(function (f) {
      var sel = document.getElementById("f-" + f[0]);
      var seen = {};
      rows.forEach(function (r) { seen[r.getAttribute("data-" + f[0])] = true; });
      sel.innerHTML = '<option value="">' + esc(f[1]) + "</option>" +
        Object.keys(seen).sort().map(function (v) {
          return '<option value="' + esc(v) + '">' + esc(v) + "</option>";
        }).join("");
    });
    var search = document.getElementById("search");
    var shown = document.getElementById("shown");
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) search.value = params.get("q");
    fields.forEach(function (f) {
      var v = params.get(f[0]);
      if (v) document.getElementById("f-" + f[0]).value = v;
    });
    function apply() {
      var q = search.value.trim().toLowerCase();
      var want = {};
      fields.forEach(function (f) { want[f[0]] = document.getElementById("f-" + f[0]).value; });
      var n = 0;
      rows.forEach(function (r) {
        var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
          fields.every(function (f) {
            return !want[f[0]] || r.getAttribute("data-" + f[0]) === want[f[0]];
          });
        r.hidden = !ok;
        if (ok) n++;
      });
      heads.forEach(function (h) {
        var any = false;
        for (var r = h.nextElementSibling; r && !r.classList.contains("project");
             r = r.nextElementSibling) {
          if (!r.hidden) { any = true; break; }
        }
        h.hidden = !any;
      });
      shown.textContent = n + " of " + rows.length + " series";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
  }

  // -- a project page: charts, hover, details ------------------------------------------

  var tip = null;
  var details = null;

  function pointText(line, k, byCommit) {
    var p = line.pts[k];
    var head = byCommit ? "commit " + p[0] : p[0];
    var out = "<b>" + esc(line.label) + "</b> on " + esc(line.machine) + "<br>" + esc(head);
    if (p[2]) out += " · " + esc(p[2]);
    out += "<br>" + esc(when(p[1])) + " · " + esc(line.toolchain) + " " + esc(p[3].join(", "));
    if (p[4]) out += "<br>median " + esc(seconds(line.med[k])) + " of " + p[4] + " run(s)";
    else out += '<br><span class="error">failed: ' + esc(p[6] || "no good run") + "</span>";
    return out;
  }

  // The point nearest the cursor, of any line: [line index, point index] or null.
  function nearest(u, chart) {
    var idx = u.cursor.idx;
    if (idx == null) return null;
    var xv = u.data[0][idx];
    var best = null;
    var bestD = 40;
    chart.lines.forEach(function (line, li) {
      var k = line.x.indexOf(xv);
      if (k < 0) return;
      var y = line.med[k] != null ? line.med[k] : line.fail[k];
      if (y == null) return;
      var d = Math.abs(u.valToPos(y, "y") - u.cursor.top);
      if (d < bestD) { bestD = d; best = [li, k]; }
    });
    return best;
  }

  function runRows(runs) {
    var heads = ["run", "session", "status", "wall", "CPU", "parallelism", "peak process",
                 "peak tree", "artifact"];
    var body = runs.map(function (r) {
      var cpu = (r.user_s || 0) + (r.sys_s || 0);
      return '<tr data-run="' + r.id + '" data-wall="' + r.wall_s + '"><td>' + r.id +
        "</td><td>" + esc(r.session_id) + "</td><td>" + esc(r.status) + '</td><td class="num">' +
        esc(seconds(r.wall_s)) + '</td><td class="num">' + esc(seconds(cpu)) +
        '</td><td class="num">' + (r.cpu_util == null ? "-" : r.cpu_util.toFixed(2) + "×") +
        '</td><td class="num">' + esc(size(r.peak_rss_bytes)) + '</td><td class="num">' +
        esc(size(r.tree_peak_rss_bytes)) + '</td><td class="num">' +
        esc(size(r.artifact_bytes)) + "</td></tr>";
    }).join("");
    return "<table><thead><tr>" + heads.map(function (h) { return "<th>" + h + "</th>"; })
      .join("") + "</tr></thead><tbody>" + body + "</tbody></table>";
  }

  function openDetails(data, chart, li, k) {
    var line = chart.lines[li];
    var p = line.pts[k];
    details.hidden = false;
    var head = '<button type="button" class="close" aria-label="close">×</button>' +
      "<h3>" + esc(line.label) + "</h3><p>" + esc(line.machine) + " · " +
      (chart.by_commit ? "commit " : "") + esc(p[0]) + (p[2] ? " · " + esc(p[2]) : "") +
      "<br>" + esc(when(p[1])) + " · " + esc(line.toolchain) + " " + esc(p[3].join(", ")) +
      "</p>";
    if (p[4]) {
      head += '<p class="median">median <b>' + esc(seconds(line.med[k])) + "</b> of " + p[4] +
        " run(s); band " + esc(seconds(line.lo[k])) + " – " + esc(seconds(line.hi[k])) +
        " (" + esc(line.band) + ")</p>";
    } else {
      head += '<p class="error">failed: ' + esc(p[6] || "no good run") + "</p>";
    }
    var cps = line.cps.filter(function (c) { return c[0] === k; });
    cps.forEach(function (c) {
      head += '<p class="note">change point: ' + esc(c[1]) + " (" + esc(c[2]) + ")" +
        (c[3] ? "; " + esc(c[3]) : "") + "</p>";
    });
    details.innerHTML = head + '<p class="muted">loading the runs…</p>';
    details.querySelector("button.close").onclick = function () { details.hidden = true; };
    var ids = p[5];
    var buckets = {};
    ids.forEach(function (id) { buckets[Math.floor(id / data.bucket)] = true; });
    Promise.all(Object.keys(buckets).map(function (b) { return bp.load("runs-" + b); }))
      .then(function (loaded) {
        var all = {};
        loaded.forEach(function (d) {
          Object.keys(d.runs).forEach(function (id) {
            var r = { id: Number(id) };
            d.fields.forEach(function (f, i) { r[f] = d.runs[id][i]; });
            r.command = d.commands[r.command];
            Object.assign(r, d.units[id] || {});
            all[id] = r;
          });
        });
        var runs = ids.map(function (id) { return all[String(id)]; });
        var html = head;
        if (runs.length) {
          html += "<h4>Runs</h4>" + runRows(runs) + "<h4>Command</h4><pre>" +
            esc(runs[0].command || "-") + "</pre>";
          runs.filter(function (r) { return r.trace; }).forEach(function (r) {
            html += '<h4>Units of run ' + r.id + "</h4><p>" + r.units +
              " units; critical path: " + esc(r.chain.join(" → ") || "-") + '</p><p><a href="' +
              bp.root + esc(r.trace) + '" download="buildprof-run-' + r.id +
              '.json">Chrome trace of run ' + r.id + "</a> (open in ui.perfetto.dev)</p>";
          });
          if (runs[0].disturbed) html += '<p class="note">' + esc(runs[0].disturbed) + "</p>";
        }
        details.innerHTML = html;
        details.setAttribute("data-point", line.label + "|" + p[0]);
        details.querySelector("button.close").onclick = function () { details.hidden = true; };
      }).catch(function (e) { details.innerHTML = head + '<p class="error">' + esc(e.message) + "</p>"; });
  }

  function drawChart(el, chart, data, ci) {
    var tables = chart.lines.map(function (l) { return [l.x, l.med, l.lo, l.hi, l.fail]; });
    var joined = uPlot.join(tables);
    var series = [{ label: chart.by_commit ? "commit order" : "session" }];
    var bands = [];
    chart.lines.forEach(function (l) {
      var at = series.length;
      series.push({ label: l.label, stroke: l.color, width: 1.5, spanGaps: true,
                    points: { show: true, size: 4, fill: l.color } });
      series.push({ label: l.label + " low", stroke: "transparent", spanGaps: true,
                    points: { show: false } });
      series.push({ label: l.label + " high", stroke: "transparent", spanGaps: true,
                    points: { show: false } });
      series.push({ label: l.label + " failed", stroke: "#cf222e", paths: function () { return null; },
                    points: { show: true, size: 9, fill: "#cf222e", stroke: "#cf222e" } });
      bands.push({ series: [at + 2, at + 1], fill: l.color + "30" });
    });
    var width = Math.max(320, el.clientWidth || 900);
    var opts = {
      width: width, height: 300, series: series, bands: bands,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: !chart.by_commit, range: function (u, min, max) {
        // room on both sides, so that the first and last points can be hovered
        var pad = (max - min) * 0.04 || (chart.by_commit ? 1 : 3600);
        return [min - pad, max + pad];
      } } },
      axes: [{ label: chart.by_commit ? "commit (first-parent order)" : undefined },
             { label: "seconds", values: function (u, vals) {
               return vals.map(function (v) { return v + " s"; }); } }],
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5;
          chart.lines.forEach(function (l) {
            l.cps.forEach(function (c) {
              var x = Math.round(u.valToPos(l.x[c[0]], "x", true));
              ctx.strokeStyle = l.color;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            });
          });
          ctx.restore();
        }],
        setCursor: [function (u) {
          var hit = nearest(u, chart);
          u.bpHit = hit;
          if (!hit || u.cursor.left < 0) { tip.hidden = true; return; }
          tip.innerHTML = pointText(chart.lines[hit[0]], hit[1], chart.by_commit);
          var r = u.over.getBoundingClientRect();
          tip.style.left = Math.min(r.left + u.cursor.left + 14, window.innerWidth - 430) + "px";
          tip.style.top = (r.top + u.cursor.top + 14) + "px";
          tip.hidden = false;
        }],
      },
    };
    var u = new uPlot(opts, joined, el);
    u.over.addEventListener("mouseleave", function () { tip.hidden = true; });
    u.over.addEventListener("click", function () {
      if (u.bpHit) openDetails(data, chart, u.bpHit[0], u.bpHit[1]);
    });
    bp.charts[ci] = { u: u, chart: chart };
  }

  function projectPage(name) {
    tip = document.getElementById("tip");
    details = document.getElementById("details");
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && details) details.hidden = true;
    });
    bp.load(name).then(function (data) {
      data.charts.forEach(function (chart, i) {
        var el = document.querySelector('.plot[data-chart="' + i + '"]');
        if (el) drawChart(el, chart, data, i);
      });
      document.body.setAttribute("data-drawn", String(data.charts.length));
    }).catch(function (e) {
      document.body.setAttribute("data-drawn", "error");
      console.error(e.message);
    });
  }

  bp.start = function (data, root) {
    bp.root = root || "";
    if (document.getElementById("series")) indexPage();
    if (data && data.indexOf("p-") === 0) projectPage(data);
    else if (data === "sides" && bp.comparePage) bp.comparePage();
    else document.body.setAttribute("data-drawn", "0");
  };
})();
