"""The site's vendored chart library (profiler/report/site/static/): VENDORED.md names
what is shipped, and uPlot draws from file:// in headless Chromium with no network and
no error on the page."""

from __future__ import annotations

import re
from pathlib import Path

import browser

STATIC = Path(__file__).resolve().parents[1] / "profiler" / "report" / "site" / "static"


def test_vendored_md_names_the_shipped_uplot() -> None:
    notes = (STATIC / "VENDORED.md").read_text(encoding="utf-8")
    banner = (STATIC / "uPlot.iife.min.js").read_text(encoding="utf-8").splitlines()[0]
    shipped = re.fullmatch(r"/\*! https://github.com/leeoniya/uPlot \(v([\d.]+)\) \*/", banner)
    assert shipped, banner
    assert f"Version: **{shipped[1]}**" in notes
    assert re.search(r"`sha512-[A-Za-z0-9+/]{86}==`", notes)
    assert "MIT License" in (STATIC / "uPlot.LICENSE").read_text(encoding="utf-8")
    assert (STATIC / "uPlot.min.css").stat().st_size > 1000


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>uPlot</title>
<link rel="stylesheet" href="{css}"><script src="{js}"></script></head>
<body><div id="chart"></div><script>
var data = [[1, 2, 3, 4, 5, 6], [0.12, 0.15, 0.11, 0.2, 0.18, 0.16],
            [0.3, 0.28, 0.33, 0.31, 0.29, 0.35]];
var opts = {{width: 640, height: 320, scales: {{x: {{time: false}}}},
  series: [{{}}, {{label: "Go", stroke: "#00add8", width: 3}},
           {{label: "Rust", stroke: "#ce422b", width: 3}}]}};
window.plot = new uPlot(opts, data, document.getElementById("chart"));
</script></body></html>
"""

# How many pixels of the canvas are near each series' colour.
COUNT = """
window.seriesPixels = function () {
  var c = document.querySelector('#chart canvas');
  if (!c) return [0, 0];
  var px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  var near = function (r, g, b) {
    var n = 0;
    for (var i = 0; i < px.length; i += 4) {
      if (px[i + 3] > 200 && Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) +
          Math.abs(px[i + 2] - b) < 40) n++;
    }
    return n;
  };
  return [near(0x00, 0xad, 0xd8), near(0xce, 0x42, 0x2b)];
};
"""


def test_uplot_draws_from_a_file_url_without_errors(tmp_path: Path) -> None:
    html = tmp_path / "chart.html"
    html.write_text(PAGE.format(css=(STATIC / "uPlot.min.css").as_uri(),
                                js=(STATIC / "uPlot.iife.min.js").as_uri()), encoding="utf-8")
    with browser.chromium() as driver:
        driver.get(html.as_uri())
        driver.execute_script(COUNT)
        # uPlot draws on the next animation frame: both lines, a few hundred pixels each.
        browser.wait_for(driver, "seriesPixels().every(function (n) { return n > 200; })")
        browser.shot(driver, "site-uplot")
        legend = driver.execute_script(
            "return Array.from(document.querySelectorAll('.u-legend .u-label'))"
            ".map(function (e) { return e.textContent; });")
        assert "Go" in legend and "Rust" in legend
        assert browser.console_errors(driver) == []
