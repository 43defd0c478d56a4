/* site-gis map pages: popups, layers fetched by bounding box, clustered samples, legend.
   Needs Leaflet 1.9 (and Leaflet.markercluster for sample layers). Everything it fetches
   comes from the same server, so the pages work on a network with no internet. */
(function () {
  "use strict";

  var registry = {};
  var pending = 0;
  var waiting = [];

  function begin() { pending += 1; }
  function end() {
    pending -= 1;
    if (pending === 0) { waiting.splice(0).forEach(function (fn) { fn(); }); }
  }

  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(value) {
    if (value === null || value === undefined || value === "") { return "\u2014"; }
    if (typeof value === "boolean") { return value ? "yes" : "no"; }
    if (typeof value === "number") {
      if (!isFinite(value)) { return "\u2014"; }
      if (value !== 0 && Math.abs(value) < 0.001) { return value.toPrecision(2); }
      var digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 3;
      return value.toLocaleString("en-GB", { maximumFractionDigits: digits });
    }
    return String(value);
  }

  function rows(pairs) {
    return "<table class=\"sg-popup-table\">" + pairs.map(function (p) {
      return "<tr><th>" + esc(p[0]) + "</th><td>" + esc(fmt(p[1])) + "</td></tr>";
    }).join("") + "</table>";
  }

  /* A code as words: "residential_settlement" -> "Residential settlement". */
  function words(value) {
    if (typeof value !== "string") { return value; }
    return value.split(",").map(function (code) {
      var text = code.replace(/_/g, " ");
      return text.charAt(0).toUpperCase() + text.slice(1);
    }).join(", ");
  }

  /* A line of text on the map (bottom left, above the scale) under a key; "" removes it. */
  function notice(map, key, text) {
    var box = map.getContainer().querySelector(".sg-notices");
    if (!box) {
      var control = L.control({ position: "bottomleft" });
      control.onAdd = function () {
        var div = L.DomUtil.create("div", "sg-notices");
        div.setAttribute("role", "status");
        L.DomEvent.disableClickPropagation(div);
        return div;
      };
      control.addTo(map);
      box = control.getContainer();
    }
    var line = box.querySelector("[data-key=\"" + key + "\"]");
    if (!text) { if (line) { line.remove(); } return; }
    if (!line) {
      line = L.DomUtil.create("p", "sg-notice", box);
      line.setAttribute("data-key", key);
    }
    line.textContent = text;
  }

  /* The optional base map: say so on the map when its tiles cannot load. */
  function baseMap(map, layer, name) {
    var failed = 0;
    layer.on("tileerror", function () {
      failed += 1;
      notice(map, "base-map", "The " + name + " cannot load here (no internet?): it " +
        "stays blank. Every site layer is served by this server and unaffected.");
    });
    layer.on("remove", function () { notice(map, "base-map", ""); });
    layer.on("load", function () { if (!failed) { notice(map, "base-map", ""); } });
  }

  /* A table row button (data-zone) flies to its zone and opens the zone's popup. */
  function zoneTable(map) {
    map.getContainer().querySelectorAll("button[data-zone]").forEach(function (button) {
      button.addEventListener("click", function () {
        (registry.eia_zones || []).forEach(function (layer) {
          if (layer.feature.properties.zone_id !== button.getAttribute("data-zone")) { return; }
          if (!map.hasLayer(layer)) { return; }
          map.fitBounds(layer.getBounds(), { animate: false });
          layer.openPopup();
        });
      });
    });
  }

  function featurePopup(props, opts) {
    var codes = opts.codes || [];
    return "<div class=\"sg-popup\"><h3>" + esc(fmt(props[opts.title])) + "</h3>" +
      rows(opts.fields.map(function (f) {
        var value = props[f[0]];
        return [f[1], codes.indexOf(f[0]) >= 0 ? words(value) : value];
      })) + "</div>";
  }

  function register(key, layer) {
    if (!key) { return; }
    (registry[key] = registry[key] || []).push(layer);
  }

  function bindFeaturePopup(layer, opts) {
    layer.bindPopup(function () { return featurePopup(layer.feature.properties, opts); },
      { maxWidth: 360, autoPanPadding: [20, 20] });
    register(opts.key, layer);
  }

  /* A layer whose features come from the OGC API items endpoint for the visible area. */
  function bboxLayer(map, opts) {
    var group = L.featureGroup();
    var pane = "sg-below-" + opts.key;  // beneath the embedded overlays, which load first
    if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = 350; }
    var request = 0;
    function load() {
      if (!map.hasLayer(group)) { return; }
      if (map.getZoom() < opts.minZoom) {
        group.clearLayers();
        notice(map, opts.key, opts.name + " are hidden at this zoom: zoom in (to level " +
          opts.minZoom + " or closer) to see them.");
        return;
      }
      var b = map.getBounds().pad(0.2);
      var bbox = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
        Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)]
        .map(function (v) { return v.toFixed(5); }).join(",");
      var mine = ++request;
      begin();
      fetch(opts.url + "?bbox=" + bbox + "&limit=" + opts.limit, {
        headers: { Accept: "application/geo+json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(opts.url + ": HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        if (mine !== request) { return; }
        group.clearLayers();
        registry[opts.key] = [];
        L.geoJSON(data, {
          pane: pane,
          style: function () { return opts.style; },
          onEachFeature: function (f, l) { bindFeaturePopup(l, opts); }
        }).addTo(group);
        var more = data.numberMatched > data.numberReturned;
        notice(map, opts.key, more ? data.numberReturned + " of " + data.numberMatched + " " +
          opts.name.toLowerCase() + " shown: zoom in for the rest." : "");
      }).catch(function (err) {
        notice(map, opts.key, opts.name + " could not be loaded (" + err.message + ").");
        console.warn("site-gis: could not load " + opts.key + ": " + err.message);
      }).then(end, end);
    }
    group.on("add", function () { map.on("moveend", load); load(); });
    group.on("remove", function () { map.off("moveend", load); notice(map, opts.key, ""); });
    return group;
  }

  /* Clustered sample points; rows are [lat, lon, class, sample id, value, detected, ratio]. */
  function sampleLayer(opts) {
    var classes = opts.classes;
    function icon(cls, id) {
      return L.divIcon({
        className: "sg-sample",
        html: "<i data-sample-id=\"" + esc(id) + "\" style=\"background:" +
          esc(classes[cls].color) + "\"></i>",
        iconSize: [14, 14]
      });
    }
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      disableClusteringAtZoom: 17,
      iconCreateFunction: function (c) {
        var worst = 0;
        c.getAllChildMarkers().forEach(function (m) { worst = Math.max(worst, m.options.sgClass); });
        var n = c.getChildCount();
        return L.divIcon({
          className: "sg-cluster",
          html: "<div style=\"background:" + esc(classes[worst].color) + "\"><span>" + n +
            "</span></div>",
          iconSize: [34, 34]
        });
      }
    });
    var markers = opts.rows.map(function (row) {
      var marker = L.marker([row[0], row[1]], { icon: icon(row[2], row[3]), sgClass: row[2] });
      marker.sgRow = row;
      marker.bindPopup(function () { return samplePopup(row, opts); },
        { maxWidth: 420, autoPanPadding: [20, 20] });
      marker.on("popupopen", function (e) { loadDetail(e.popup, row, opts); });
      return marker;
    });
    registry[opts.key] = [cluster];
    var loaded = false;
    cluster.on("add", function () {
      if (loaded) { return; }
      loaded = true;
      begin();
      cluster.options.chunkProgress = function (done, total) { if (done >= total) { end(); } };
      cluster.addLayers(markers);  // calls chunkProgress at least once, even for none
    });
    return cluster;
  }

  function sampleValue(row, opts) {
    return (row[5] ? "" : "< ") + fmt(row[4]) + " " + opts.unit + (row[5] ? "" : " (not detected)");
  }

  function samplePopup(row, opts) {
    var cls = opts.classes[row[2]];
    return "<div class=\"sg-popup\"><h3>Sample " + esc(row[3]) + "</h3>" +
      rows([[opts.analyte, sampleValue(row, opts)], ["Level", opts.level],
        ["Ratio to level", row[6] === null ? null : fmt(row[6]) + "\u00d7"],
        ["Class", cls.label]]) +
      "<div class=\"sg-detail\">" + (details[row[3]] || "Loading the sample's other " +
      "analytes\u2026") + "</div></div>";
  }

  var details = {};

  function loadDetail(popup, row, opts) {
    if (details[row[3]]) { return; }
    begin();
    fetch(opts.detail_url.replace("{id}", encodeURIComponent(row[3])))
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (detail) {
        var head = rows([["Location", detail.location_id], ["Depth (m)", detail.depth],
          ["Sampled on", detail.sampled_on], ["Laboratory", detail.lab]]);
        var body = detail.results.map(function (r) {
          var exceeds = r.flag === "exceeds" || r.flag === "outside range";
          return "<tr" + (exceeds ? " class=\"sg-exceeds\"" : "") + "><td>" + esc(r.analyte) +
            "</td><td>" + esc(r.result) + "</td><td>" + esc(fmt(r.level)) + "</td><td>" +
            esc(r.ratio === null ? "\u2014" : fmt(r.ratio) + "\u00d7") + "</td><td>" +
            esc(r.flag) + "</td></tr>";
        }).join("");
        details[row[3]] = head + "<table class=\"sg-popup-table sg-analytes\"><tr><th>" +
          "Analyte</th><th>Result</th><th>Level</th><th>Ratio</th><th>Flag</th></tr>" + body +
          "</table>";
        if (popup.isOpen()) { popup.setContent(samplePopup(row, opts)); }
      }).catch(function (err) {
        console.warn("site-gis: sample detail: " + err.message);
      }).then(end, end);
  }

  var PHONE = "(max-width: 700px)";
  function isPhone() { return window.matchMedia(PHONE).matches; }
  var panels = 0;

  /* A control holding ready-made, escaped HTML under a button that folds it away
     (folded from the start on a phone unless opts.open). */
  function panel(map, opts) {
    var control = L.control({ position: opts.position || "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sg-legend sg-panel " + (opts.className || ""));
      var id = "sg-panel-" + (++panels);
      var open = opts.open === undefined ? !isPhone() : opts.open;
      div.innerHTML = "<button type=\"button\" class=\"sg-panel-toggle\" aria-expanded=\"" +
        open + "\" aria-controls=\"" + id + "\">" + esc(opts.title) + "</button>" +
        "<div class=\"sg-panel-body\" id=\"" + id + "\">" + opts.html + "</div>";
      var button = div.firstChild;
      L.DomEvent.on(button, "click", function () {
        button.setAttribute("aria-expanded", String(button.getAttribute("aria-expanded") !== "true"));
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  }

  function legend(map, html) {
    return panel(map, { title: "Legend", html: html, className: "sg-legend-panel" });
  }

  /* Forms whose choices follow the medium (data-options: per medium, its analytes, depth
     intervals and standards with a level), so that no combination leads to an empty map. */
  function followMedium(form) {
    var options = JSON.parse(form.getAttribute("data-options"));
    var medium = form.elements.medium;
    var hint = form.querySelector(".sg-form-hint");
    function fill(select, values, first) {
      var old = select.value;
      var keep = false;
      select.innerHTML = "";
      if (first) { select.appendChild(new Option(first[1], first[0])); }
      values.forEach(function (v) {
        var value = Array.isArray(v) ? v[0] : v;
        select.appendChild(new Option(Array.isArray(v) ? v[1] : v, value));
        if (value === old) { keep = true; }
      });
      if (keep || (first && old === first[0])) { select.value = old; return null; }
      return select.options.length ? select.options[0].text : "";
    }
    medium.addEventListener("change", function () {
      var here = options[medium.value];
      var name = medium.options[medium.selectedIndex].text.trim();
      var changed = [];
      var analyte = fill(form.elements.analyte, here.analytes);
      if (analyte !== null) { changed.push("analyte: " + analyte); }
      var depth = fill(form.elements.depth, here.depths, ["", "all depths"]);
      if (depth !== null) { changed.push("depth: " + depth); }
      var standard = fill(form.elements.standard, here.standards);
      if (standard !== null) { changed.push("standard: " + standard); }
      form.querySelector("button[type=submit]").disabled = !here.analytes.length;
      hint.textContent = !here.analytes.length ? "No " + name + " results in this site's data." :
        changed.length ? "Changed to what " + name + " has \u2014 " + changed.join("; ") : "";
    });
  }

  /* Phone layout: the header's menu button, the layer list folded into its button. */
  function layout(map) {
    window.siteGis.map = map;  // for scripts and tests
    var header = document.querySelector(".sg-header");
    var button = header && header.querySelector(".sg-menu-button");
    function closeMenu() {
      if (!button) { return; }
      header.classList.remove("sg-open");
      button.setAttribute("aria-expanded", "false");
    }
    if (button) {
      button.addEventListener("click", function () {
        var open = !header.classList.contains("sg-open");
        header.classList.toggle("sg-open", open);
        button.setAttribute("aria-expanded", String(open));
      });
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { closeMenu(); }
      });
    }
    document.querySelectorAll("form[data-options]").forEach(followMedium);
    zoneTable(map);
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    map.on("click", function () {
      closeMenu();
      if (layers && isPhone()) { layers.classList.remove("leaflet-control-layers-expanded"); }
    });
    if (layers && isPhone()) { layers.classList.remove("leaflet-control-layers-expanded"); }
  }

  function signalReady(map) {
    function done() {
      window.siteGisReadyAt = performance.now();
      document.documentElement.setAttribute("data-map-ready", "1");
    }
    layout(map);
    map.whenReady(function () {
      setTimeout(function () { if (pending === 0) { done(); } else { waiting.push(done); } }, 0);
    });
  }

  // A surface still being computed: show its job's progress, reload once it has a result.
  function followJob(url, subject) {
    var every = 500;
    function shown(text, progress) {
      document.querySelectorAll(".sg-job-text").forEach(function (el) { el.textContent = text; });
      document.querySelectorAll(".sg-job-progress").forEach(function (el) {
        if (progress === null) { el.remove(); } else { el.value = progress; }
      });
    }
    function poll() {
      fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (job) {
        if (job.status === "successful") {
          shown("Ready: drawing the " + subject + "\u2026", 100);
          window.location.reload();
        } else if (job.status === "failed" || job.status === "dismissed") {
          shown("No " + subject + ": " + (job.message || "the job was " + job.status), null);
        } else {
          shown("Computing the " + subject + ": " + (job.progress || 0) + " %", job.progress || 0);
          setTimeout(poll, every);
        }
      }).catch(function (err) {
        shown("Cannot follow the job computing the " + subject + " (" + err.message + "); reload the page.", null);
      });
    }
    setTimeout(poll, every);
  }

  window.siteGis = {
    followJob: followJob,
    registry: registry,
    bindFeaturePopup: bindFeaturePopup,
    bboxLayer: bboxLayer,
    sampleLayer: sampleLayer,
    legend: legend,
    panel: panel,
    notice: notice,
    baseMap: baseMap,
    signalReady: signalReady
  };
})();
