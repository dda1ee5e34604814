/* buildprof site: the compare page. Any two sides (sessions, toolchains, labels,
 * revisions) compared as `buildprof compare A B` compares them: this is
 * profiler/analysis/compare.py's pairing (same cell, same sources unless both are
 * revisions, same machine, same toolchain unless both are toolchains) and its table,
 * in JavaScript because a static page cannot run Python; the statistics are
 * stats.js (profiler/stats.py's U test, CI and formatting). tests/test_site_browser.py
 * checks every figure this page shows against `buildprof compare --format json`.
 *
 * Each side's runs are one data file (data/side-N.js): rows of
 * [run id, cell, content, machine, toolchain, session, wall, cpu, peak RSS, tree RSS],
 * numbers referring to data/sides.js's lists.
 */
(function () {
  "use strict";
  var bp = (window.bp = window.bp || {});
  var S = window.bpstats;
  var METRICS = {
    wall: { unit: "s", col: 6, text: "wall time" },
    cpu: { unit: "s", col: 7, text: "CPU time (user+sys)" },
    "peak-rss": { unit: "B", col: 8, text: "peak RSS of the largest process" },
    "tree-rss": { unit: "B", col: 9, text: "peak RSS of the process tree" },
  };
  var ALPHA = 0.05;

  function fixed(x, d) { return S.pyFixed(x, d); }

  function group(rows, key) {
    var m = new Map();
    rows.forEach(function (r) {
      var k = key(r);
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(r);
    });
    return m;
  }

  function distinct(values) {
    var seen = {};
    values.forEach(function (v) { if (v != null) seen[v] = true; });
    return Object.keys(seen).sort();
  }

  function cmpArrays(a, b) {
    for (var i = 0; i < Math.min(a.length, b.length); i++) {
      var x = a[i], y = b[i];
      if (Array.isArray(x)) { var c = cmpArrays(x, y); if (c) return c; continue; }
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return a.length - b.length;
  }

  // analysis/compare.py _Pairing
  function pairing(meta, A, B, ra, rb) {
    var byTc = A.kind === "toolchain" && B.kind === "toolchain";
    var out = { pairs: [], only_a: [], only_b: [], refused: [] };
    var title = function (c) { return meta.cells[c].title; };
    var specs = function (rows) { return distinct(rows.map(function (r) { return meta.toolchains[r[4]].spec; })); };
    var tc = function (rows) { return byTc ? "" : " [" + specs(rows).join(", ") + "]"; };
    var short = function (h) { return (meta.hashes[h] || "?").slice(0, 12); };
    var ga = group(ra, function (r) { return r[1]; });
    var gb = group(rb, function (r) { return r[1]; });
    ga.forEach(function (rows, c) { if (!gb.has(c)) out.only_a.push(title(c) + tc(rows)); });
    gb.forEach(function (rows, c) { if (!ga.has(c)) out.only_b.push(title(c) + tc(rows)); });

    function byToolchain(c, a, b) {
      if (byTc) { out.pairs.push([c, a, b]); return; }
      var ta = group(a, function (r) { return r[4]; });
      var tb = group(b, function (r) { return r[4]; });
      var common = Array.from(ta.keys()).filter(function (t) { return tb.has(t); });
      if (!common.length && ta.size === 1 && tb.size === 1) { out.pairs.push([c, a, b]); return; }
      common.forEach(function (t) { out.pairs.push([c, ta.get(t), tb.get(t)]); });
      ta.forEach(function (_, t) { if (!tb.has(t)) out.only_a.push(title(c) + " [" + meta.toolchains[t].spec + "]"); });
      tb.forEach(function (_, t) { if (!ta.has(t)) out.only_b.push(title(c) + " [" + meta.toolchains[t].spec + "]"); });
    }

    function names(rows) {
      var seen = {};
      rows.forEach(function (r) { var m = meta.machines[r[3]]; seen[m.id + "\u0000" + m.host] = m; });
      return Object.keys(seen).sort().map(function (k) {
        return seen[k].host + " (" + seen[k].id.slice(0, 8) + ")";
      }).join(", ");
    }

    function byMachine(c, a, b) {
      var ma = group(a, function (r) { return r[3]; });
      var mb = group(b, function (r) { return r[3]; });
      var common = Array.from(ma.keys()).filter(function (m) { return mb.has(m); });
      if (!common.length) {
        out.refused.push(title(c) + ": not compared: A (" + A.title + ") ran on " + names(a) +
          ", B (" + B.title + ") on " + names(b) + "; timings from different machines are " +
          "not comparable: pick one machine with --machine, or pass --allow-cross-machine");
        return;
      }
      common.forEach(function (m) { byToolchain(c, ma.get(m), mb.get(m)); });
    }

    function byHash(c, a, b) {
      if (A.kind === "rev" && B.kind === "rev") { byMachine(c, a, b); return; }
      var ha = group(a, function (r) { return r[2]; });
      var hb = group(b, function (r) { return r[2]; });
      var common = Array.from(ha.keys()).filter(function (h) { return hb.has(h); });
      if (!common.length) {
        out.refused.push(title(c) + ": not compared: built from different sources (A " +
          A.title + ": content " + Array.from(ha.keys()).map(short).join(", ") + "; B " +
          B.title + ": content " + Array.from(hb.keys()).map(short).join(", ") +
          "), so the difference would be the code; compare runs of the same sources, or " +
          "leave the project out with --project");
        return;
      }
      ha.forEach(function (_, h) { if (!hb.has(h)) out.only_a.push(title(c) + " content " + short(h)); });
      hb.forEach(function (_, h) { if (!ha.has(h)) out.only_b.push(title(c) + " content " + short(h)); });
      common.forEach(function (h) { byMachine(c, ha.get(h), hb.get(h)); });
    }

    ga.forEach(function (rows, c) { if (gb.has(c)) byHash(c, rows, gb.get(c)); });
    out.only_a.sort();
    out.only_b.sort();
    return out;
  }

  function summary(meta, rows, col) {
    var values = rows.map(function (r) { return r[col]; });
    return {
      values: values, n: values.length, median: values.length ? S.median(values) : null,
      ci: values.length ? S.median_ci(values) : [null, null],
      ci_pct: values.length ? S.ci_halfwidth_pct(values) : Infinity,
      toolchains: distinct(rows.map(function (r) { return meta.toolchains[r[4]].spec; })),
      machines: distinct(rows.map(function (r) { return meta.machines[r[3]].host; })),
      sessions: distinct(rows.map(function (r) { return r[5]; })).map(Number).sort(function (x, y) { return x - y; }),
      mean: values.reduce(function (s, v) { return s + v; }, 0) / (values.length || 1),
    };
  }

  // analysis/compare.py different_builds
  function builds(meta, pairs) {
    var out = [];
    pairs.forEach(function (p) {
      var sa = distinct(p[1].map(function (r) { return r[4]; })).map(Number);
      var sb = distinct(p[2].map(function (r) { return r[4]; })).map(Number);
      sa.forEach(function (ta) {
        sb.forEach(function (tb) {
          var x = meta.toolchains[ta], y = meta.toolchains[tb];
          if (x.provenance && y.provenance && x.build_line !== y.build_line) {
            var line = "warning: " + x.spec + " (" + x.origin + ") and " + y.spec + " (" +
              y.origin + ") are different builds of the compiler: the change measures how " +
              "each was built as much as the release";
            if (out.indexOf(line) < 0) out.push(line);
          }
        });
      });
    });
    return out;
  }

  // analysis/compare.py compare() and compare_runs()
  function compare(meta, A, B, ra, rb, metric) {
    var m = METRICS[metric];
    if (A.text === B.text || (ra.length && ra.length === rb.length &&
        ra.every(function (r, i) { return r[0] === rb[i][0]; }))) {
      return { error: "A and B select the same runs ('" + A.text + "' and '" + B.text +
               "'); compare two different toolchains, sessions or labels" };
    }
    var keep = function (r) { return r[m.col] != null; };
    var p = pairing(meta, A, B, ra.filter(keep), rb.filter(keep));
    var cells = p.pairs.map(function (pair) {
      var a = summary(meta, pair[1], m.col), b = summary(meta, pair[2], m.col);
      var test = S.mann_whitney(a.values, b.values, ALPHA);
      var c = meta.cells[pair[0]];
      return { key: c, content_hash: meta.hashes[pair[1][0][2]], a: a, b: b, test: test,
               change_pct: S.change_pct(a.median, b.median) };
    });
    cells.sort(function (x, y) {
      return cmpArrays([x.key.project, x.key.lang, x.key.scenario, x.key.edit || "", x.key.profile,
                        x.key.jobs || 0, x.a.toolchains, x.a.machines],
                       [y.key.project, y.key.lang, y.key.scenario, y.key.edit || "", y.key.profile,
                        y.key.jobs || 0, y.a.toolchains, y.a.machines]);
    });
    if (!cells.length && p.refused.length) {
      var more = p.refused.length - 1;
      return { error: p.refused[0] + (more ? " (and " + more + " more cell(s) refused)" : "") };
    }
    if (!cells.length) {
      return { error: "no cell was measured on both sides (" + p.only_a.length + " only with " +
               A.title + ", " + p.only_b.length + " only with " + B.title + "); measure both " +
               "in one session, e.g. `buildprof run --toolchain A,B`, or narrow with " +
               "--project/--scenario" };
    }
    var ga = S.geomean(cells.map(function (c) { return c.a.median; }));
    var gb = S.geomean(cells.map(function (c) { return c.b.median; }));
    var ratios = cells.filter(function (c) { return c.a.median > 0; })
      .map(function (c) { return c.b.median / c.a.median; });
    return { a: A, b: B, metric: metric, unit: m.unit, cells: cells, only_a: p.only_a,
             only_b: p.only_b, refused: p.refused, builds: builds(meta, p.pairs),
             geomean: { a: ga, b: gb, change_pct: S.change_pct(1, S.geomean(ratios)) } };
  }

  // -- the table, as report/compare.py writes it ----------------------------------------

  function valueText(x, unit) {
    if (x == null || !isFinite(x)) return "-";
    if (unit === "B") return bp.size(x);
    if (x < 10) return fixed(x, 3) + " s";
    return x < 100 ? fixed(x, 2) + " s" : fixed(x, 1) + " s";
  }

  function pctText(p) { return p < 10 ? "± " + fixed(p, 1) + "%" : "± " + fixed(p, 0) + "%"; }

  function ciText(s) {
    if (isFinite(s.ci_pct)) return pctText(s.ci_pct);
    var pct = S.range_halfwidth_pct(s.values);
    if (s.n < 2 || !isFinite(pct)) return "-";
    return pctText(pct) + " (" + fixed(100 * S.range_coverage(s.n), 0) + "%)";
  }

  function tooFewText(c) {
    return "too few runs: n=" + c.a.n + " vs " + c.b.n + " can never reach p<" + ALPHA +
      "; need ≥" + S.utest_min_n(ALPHA) + " runs on each side";
  }

  function notes(r) {
    var out = [];
    r.cells.forEach(function (c) { if (c.test.too_few && out.indexOf(tooFewText(c)) < 0) out.push(tooFewText(c)); });
    var ns = {};
    r.cells.forEach(function (c) {
      [c.a, c.b].forEach(function (s) { if (s.n >= 2 && !isFinite(s.ci_pct)) ns[s.n] = true; });
    });
    var list = Object.keys(ns).map(Number).sort(function (x, y) { return x - y; });
    if (list.length) {
      out.push("± x% (y%): below 6 runs, the range of the runs, which holds the median y% of " +
        "the time (" + list.map(function (n) {
          return fixed(100 * S.range_coverage(n), 0) + "% at " + n + " runs";
        }).join(", ") + "); a 95% CI needs ≥6 runs");
    }
    out = out.concat(r.refused, r.builds);
    [[r.a, r.only_a], [r.b, r.only_b]].forEach(function (x) {
      if (x[1].length) {
        out.push("only in " + x[0].title + " (not compared): " + x[1].slice(0, 5).join("; ") +
          (x[1].length > 5 ? "; … " + (x[1].length - 5) + " more" : ""));
      }
    });
    return out;
  }

  function render(r) {
    var esc = bp.esc;
    if (r.error) return '<p class="error">' + esc(r.error) + "</p>";
    var showTc = r.cells.some(function (c) { return c.a.toolchains.join() !== c.b.toolchains.join(); }) &&
      !(r.a.kind === "toolchain" && r.b.kind === "toolchain");
    var machines = distinct([].concat.apply([], r.cells.map(function (c) { return c.a.machines.concat(c.b.machines); })));
    var heads = ["project", "scenario", "profile"];
    if (showTc) heads.push("toolchains A → B");
    if (machines.length > 1) heads.push("machine");
    var first = heads.length;
    heads = heads.concat(["A: " + r.a.title, "n", "B: " + r.b.title, "n", "change", "p", "verdict"]);
    var rows = r.cells.map(function (c) {
      var row = [c.key.project + " (" + c.key.lang + ")", c.key.scenario_text, c.key.profile];
      if (showTc) row.push(c.a.toolchains.join(", ") + " → " + c.b.toolchains.join(", "));
      if (machines.length > 1) row.push(distinct(c.a.machines.concat(c.b.machines)).join(", "));
      row.push(valueText(c.a.median, r.unit) + " " + ciText(c.a), String(c.a.n),
               valueText(c.b.median, r.unit) + " " + ciText(c.b), String(c.b.n),
               S.change_text(c.change_pct), c.test.p == null ? "-" : fixed(c.test.p, 3),
               S.verdict(c.test, c.change_pct));
      return row;
    });
    rows.push(["geomean", "", ""].concat(new Array(first - 3).fill(""),
      [valueText(r.geomean.a, r.unit), "", valueText(r.geomean.b, r.unit), "",
       S.change_text(r.geomean.change_pct), "", ""]));
    var table = "<table><thead><tr>" + heads.map(function (h) { return "<th>" + esc(h) + "</th>"; }).join("") +
      "</tr></thead><tbody>" + rows.map(function (row, i) {
        return '<tr class="' + (i === rows.length - 1 ? "geomean" : "cell") + '">' +
          row.map(function (v, j) {
            return (j >= first && j < first + 6 ? '<td class="num">' : "<td>") + esc(v) + "</td>";
          }).join("") + "</tr>";
      }).join("") + "</tbody></table>";
    var caption = METRICS[r.metric].text + ": B against A, median ± 95% CI, Mann–Whitney U at α=" + ALPHA;
    return '<p class="caption">' + esc(caption) + "</p>" + table +
      notes(r).map(function (n) { return '<p class="note">' + esc(n) + "</p>"; }).join("");
  }

  bp.compareSides = compare;

  bp.comparePage = function () {
    var form = document.getElementById("pick");
    var selA = document.getElementById("side-a");
    var selB = document.getElementById("side-b");
    var selM = document.getElementById("metric");
    var link = document.getElementById("permalink");
    var out = document.getElementById("result");
    bp.load("sides").then(function (meta) {
      var byText = {};
      var kinds = [["session", "Sessions"], ["toolchain", "Toolchains"], ["label", "Labels"],
                   ["rev", "Revisions"]];
      var options = kinds.map(function (k) {
        var items = meta.sides.filter(function (s) { return s.kind === k[0]; });
        if (!items.length) return "";
        return '<optgroup label="' + k[1] + '">' + items.map(function (s) {
          byText[s.text] = s;
          return '<option value="' + bp.esc(s.text) + '">' + bp.esc(s.title + " — " + s.note) + "</option>";
        }).join("") + "</optgroup>";
      }).join("");
      selA.innerHTML = options;
      selB.innerHTML = options;
      var q = new URLSearchParams(window.location.search);
      var dflt = meta.default || {};
      var sides = meta.sides;
      selA.value = byText[q.get("a")] ? q.get("a") : (dflt.a || (sides[1] || sides[0] || {}).text || "");
      selB.value = byText[q.get("b")] ? q.get("b") : (dflt.b || (sides[0] || {}).text || "");
      if (METRICS[q.get("metric")]) selM.value = q.get("metric");
      function run() {
        var A = byText[selA.value], B = byText[selB.value], metric = selM.value;
        if (!A || !B) return;
        var params = "?a=" + encodeURIComponent(A.text) + "&b=" + encodeURIComponent(B.text) +
          "&metric=" + encodeURIComponent(metric);
        link.href = "compare.html" + params;
        try { window.history.replaceState(null, "", params); } catch (e) { /* some hosts forbid it */ }
        out.setAttribute("data-state", "loading");
        Promise.all([bp.load(A.file), bp.load(B.file)]).then(function (d) {
          var r = compare(meta, A, B, d[0].rows, d[1].rows, metric);
          bp.compareResult = r;
          out.innerHTML = render(r);
          out.setAttribute("data-state", r.error ? "error" : "done");
          document.body.setAttribute("data-drawn", "1");
        }).catch(function (e) {
          out.innerHTML = '<p class="error">' + bp.esc(e.message) + "</p>";
          out.setAttribute("data-state", "error");
        });
      }
      form.addEventListener("change", run);
      form.hidden = false;
      if (meta.sides.length >= 2) run();
      else document.body.setAttribute("data-drawn", "0");
    });
  };
})();
