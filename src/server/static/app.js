/* govcheck review pages: the charts of a run's overview (ECharts, served from /static). No inline script:
 * the data comes from <script type="application/json" id="chart-data">, which is never executed. */
(function () {
  'use strict';
  var el = document.getElementById('chart-data');
  if (!el || !window.echarts) return;
  var d;
  try {
    d = JSON.parse(el.textContent || '{}');
  } catch (_e) {
    return;
  }
  var L = d.labels || {};
  var charts = [];
  var palette = ['#c0392b', '#2e86c1', '#27ae60', '#8e44ad', '#d68910', '#5d6d7e'];

  function init(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = window.echarts.init(node, null, { renderer: 'canvas' });
    option.animation = false;
    option.color = palette;
    // Rich-text tooltips are drawn on the canvas: no HTML, so nothing needs inline styles.
    option.tooltip = Object.assign({ trigger: 'axis', renderMode: 'richText' }, option.tooltip || {});
    chart.setOption(option);
    charts.push(chart);
    node.setAttribute('data-ready', '1');
  }

  var rate = d.rate || { groups: [], series: [] };
  if (rate.groups.length) {
    init('chart-rate', {
      title: { text: L.rate, left: 'center', textStyle: { fontSize: 14 } },
      legend: {
        bottom: 0,
        data: rate.series.map(function (s) {
          return L[s.kind];
        }),
      },
      grid: { left: 48, right: 16, top: 64, bottom: 60, containLabel: true },
      xAxis: { type: 'category', data: rate.groups, axisLabel: { interval: 0, rotate: rate.groups.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', name: '%', min: 0, max: 100 },
      series: rate.series.map(function (s) {
        return { name: L[s.kind], type: 'bar', data: s.values, label: { show: true, position: 'top', formatter: '{c}%' } };
      }),
    });
  }

  var cats = d.categories || [];
  if (cats.length) {
    init('chart-categories', {
      title: { text: L.categories, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0, data: [L.findings, L.sites] },
      grid: { left: 16, right: 32, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        data: cats.map(function (c) {
          return c.name;
        }),
        inverse: true,
      },
      series: [
        {
          name: L.findings,
          type: 'bar',
          data: cats.map(function (c) {
            return c.findings;
          }),
          label: { show: true, position: 'right' },
        },
        {
          name: L.sites,
          type: 'bar',
          data: cats.map(function (c) {
            return c.sites;
          }),
          label: { show: true, position: 'right' },
        },
      ],
    });
  }

  var trend = d.trend || [];
  var changes = d.changes;
  if (trend.length > 1 || changes) {
    var grids = [];
    var xs = [];
    var ys = [];
    var series = [];
    var both = trend.length > 1 && changes;
    if (trend.length > 1) {
      grids.push({ left: 40, right: both ? '55%' : 24, top: 64, bottom: 40, containLabel: true });
      xs.push({
        type: 'category',
        data: trend.map(function (t) {
          return t.label;
        }),
        gridIndex: 0,
      });
      ys.push({ type: 'value', name: L.failRate + ' %', min: 0, gridIndex: 0 });
      series.push({
        name: L.failRate,
        type: 'line',
        xAxisIndex: 0,
        yAxisIndex: 0,
        data: trend.map(function (t) {
          return t.rate;
        }),
        label: { show: true, formatter: '{c}%' },
      });
    }
    if (changes) {
      var gi = grids.length;
      grids.push({ left: both ? '55%' : 40, right: 24, top: 64, bottom: 40, containLabel: true });
      xs.push({ type: 'category', data: [L.new, L.persisting, L.fixed], gridIndex: gi, axisLabel: { interval: 0 } });
      ys.push({ type: 'value', minInterval: 1, gridIndex: gi });
      series.push({
        name: L.changes,
        type: 'bar',
        xAxisIndex: gi,
        yAxisIndex: gi,
        data: [
          { value: changes.new, itemStyle: { color: '#c0392b' } },
          { value: changes.persisting, itemStyle: { color: '#d68910' } },
          { value: changes.fixed, itemStyle: { color: '#27ae60' } },
        ],
        label: { show: true, position: 'top' },
      });
    }
    init('chart-trend', { title: { text: L.trend, left: 'center', textStyle: { fontSize: 14 } }, grid: grids, xAxis: xs, yAxis: ys, series: series });
  }

  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
})();
