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

  /* A path on this server ("/..." but not "//host/..."), or null. */
  function localPath(value) {
    return typeof value === "string" && /^\/(?![\/\\])/.test(value) ? value : null;
  }

  function featurePopup(props, opts) {
    var codes = opts.codes || [];
    var links = (opts.links || []).map(function (l) {
      var path = localPath(props[l[0]]);
      var cell = path === null ? esc(fmt(props[l[0]])) :
        "<a href=\"" + esc(path) + "\">" + esc(l[2]) + "</a>";
      return "<tr><th>" + esc(l[1]) + "</th><td>" + cell + "</td></tr>";
    }).join("");
    var table = rows(opts.fields.map(function (f) {
      var value = props[f[0]];
      return [f[1], codes.indexOf(f[0]) >= 0 ? words(value) : value];
    }));
    if (links) { table = table.slice(0, -"</table>".length) + links + "</table>"; }
    return "<div class=\"sg-popup\"><h3>" + esc(fmt(props[opts.title])) + "</h3>" +
      table + "</div>";
  }

  function register(key, layer) {
    if (!key) { return; }
    (registry[key] = registry[key] || []).push(layer);
  }

  function bindFeaturePopup(layer, opts) {
    layer.sgTitle = opts.title;
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
      var marker = L.marker([row[0], row[1]], {
        icon: icon(row[2], row[3]), sgClass: row[2],
        title: "Sample " + row[3] + ": " + classes[row[2]].label  // its accessible name
      });
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

  /* UTM easting and northing (m, WGS 84) of lon/lat degrees: Kr\u00fcger's series to the
     third order of n (Karney 2011, eq. 9 and 35), well under a millimetre in the zone. */
  function utm(lon, lat, zone, south) {
    var a = 6378137, f = 1 / 298.257223563, k0 = 0.9996;
    var n = f / (2 - f), n2 = n * n, n3 = n2 * n;
    var A = a / (1 + n) * (1 + n2 / 4 + n2 * n2 / 64);
    var alpha = [n / 2 - 2 * n2 / 3 + 5 * n3 / 16, 13 * n2 / 48 - 3 * n3 / 5, 61 * n3 / 240];
    var phi = lat * Math.PI / 180, dlam = (lon - (zone * 6 - 183)) * Math.PI / 180;
    var e = 2 * Math.sqrt(n) / (1 + n);
    var t = Math.sinh(Math.atanh(Math.sin(phi)) - e * Math.atanh(e * Math.sin(phi)));
    var xi = Math.atan2(t, Math.cos(dlam));
    var eta = Math.atanh(Math.sin(dlam) / Math.sqrt(1 + t * t));
    var x = eta, y = xi;
    for (var j = 1; j <= 3; j++) {
      x += alpha[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
      y += alpha[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    }
    return [500000 + k0 * A * x, (south ? 10000000 : 0) + k0 * A * y];
  }

  /* Where the cursor is (the map centre on a touch screen), in lon/lat and the site's CRS. */
  function coordinates(map, crs) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sg-coordinates");
      div.setAttribute("aria-live", "off");
      return div;
    };
    control.addTo(map);
    var div = control.getContainer();
    function show(latlng, what) {
      var text = what + latlng.lat.toFixed(5) + "\u00b0 " + (latlng.lat >= 0 ? "N" : "S") +
        ", " + latlng.lng.toFixed(5) + "\u00b0 " + (latlng.lng >= 0 ? "E" : "W");
      if (crs && crs.zone) {
        var en = utm(latlng.lng, latlng.lat, crs.zone, crs.south);
        text += " \u00b7 " + crs.name + ": E " + Math.round(en[0]).toLocaleString("en-GB") +
          " m, N " + Math.round(en[1]).toLocaleString("en-GB") + " m";
      }
      div.textContent = text;
    }
    map.on("mousemove", function (e) { show(e.latlng, ""); });
    map.on("moveend", function () { show(map.getCenter(), "Centre: "); });
    show(map.getCenter(), "Centre: ");
  }

  /* Search by id or name: what the page holds (every registered layer, samples and their
     locations), then parcels and sample locations on the server; fly to the first match. */
  function searchIndex() {
    var found = [];
    Object.keys(registry).forEach(function (key) {
      registry[key].forEach(function (layer) {
        if (layer.getAllChildMarkers || layer.getLayers && !layer.feature) {
          (layer.getLayers ? layer.getLayers() : []).forEach(function (m) {
            if (m.sgRow) {
              found.push({ ids: [m.sgRow[3], m.sgRow[7]], label: "Sample " + m.sgRow[3] +
                " (location " + m.sgRow[7] + ")", marker: m, cluster: layer });
            }
          });
          return;
        }
        if (!layer.feature) { return; }
        var p = layer.feature.properties, id = layer.feature.id;
        var title = p[layer.sgTitle] || "";
        found.push({ ids: [String(id), String(title)], label: title && title !== id ?
          title + " (" + id + ")" : String(id), layer: layer });
      });
    });
    return found;
  }

  function flyTo(map, hit) {
    if (hit.marker) {
      hit.cluster.zoomToShowLayer(hit.marker, function () { hit.marker.openPopup(); });
      return;
    }
    var layer = hit.layer;
    if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), { maxZoom: 17, animate: false });
    } else {
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 16), { animate: false });
    }
    layer.openPopup();
  }

  var REMOTE = [["parcels", "parcel_id", "Parcel"], ["sample_locations", "location_id",
    "Sample location"], ["encroachments", "encroachment_id", "Encroachment"],
    ["receptors", "receptor_id", "Receptor"]];

  function search(map, text, say) {
    var q = text.trim().toLowerCase();
    if (!q) { return; }
    var index = searchIndex();
    var hit = index.filter(function (h) {
      return h.ids.some(function (id) { return id && String(id).toLowerCase() === q; });
    })[0] || index.filter(function (h) {
      return h.label.toLowerCase().indexOf(q) >= 0;
    })[0];
    if (hit) { say(hit.label); flyTo(map, hit); return; }
    var tries = REMOTE.slice();
    begin();
    (function next() {
      var t = tries.shift();
      if (!t) { say("Nothing called \u201c" + text.trim() + "\u201d"); end(); return; }
      fetch("/collections/" + t[0] + "/items?limit=1&" + t[1] + "=" +
        encodeURIComponent(text.trim().toUpperCase()), {
        headers: { Accept: "application/geo+json" }
      }).then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          if (!data.features || !data.features.length) { next(); return; }
          var feature = data.features[0];
          var fields = Object.keys(feature.properties).map(function (k) { return [k, words(k)]; });
          var shown = L.geoJSON(feature, {
            style: function () { return { color: "#0072B2", weight: 3, fillOpacity: 0.1 }; },
            pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 9 }); },
            onEachFeature: function (f, l) {
              bindFeaturePopup(l, { title: t[1], fields: fields, key: "search" });
            }
          }).addTo(map);
          say(t[2] + " " + feature.id);
          flyTo(map, { layer: shown.getLayers()[0] });
          end();
        }).catch(function () { next(); });
    })();
  }

  function searchBox(map) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var form = L.DomUtil.create("form", "sg-search");
      form.setAttribute("role", "search");
      form.innerHTML = "<input type=\"search\" name=\"q\" list=\"sg-search-list\" " +
        "placeholder=\"Find id or name\" aria-label=\"Find a sample, location, parcel, " +
        "encroachment or receptor by id or name\" autocomplete=\"off\">" +
        "<button type=\"submit\">Find</button><datalist id=\"sg-search-list\"></datalist>" +
        "<p class=\"sg-search-result\" role=\"status\"></p>";
      var input = form.elements.q, result = form.querySelector(".sg-search-result");
      input.addEventListener("focus", function () {
        var list = form.querySelector("datalist");
        list.innerHTML = "";
        searchIndex().slice(0, 500).forEach(function (h) {
          list.appendChild(new Option(h.label, h.ids[0]));
        });
      });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        search(map, input.value, function (text) { result.textContent = text; });
      });
      L.DomEvent.disableClickPropagation(form);
      return form;
    };
    control.addTo(map);
    var box = control.getContainer();
    box.parentNode.insertBefore(box, box.parentNode.firstChild);  // above the layer list
  }

  /* Draw an area (vendored Leaflet.draw): the encroached parcels in it, from
     POST /encroachments/parcels, and its resettlement estimate from POST
     /resettlement/estimate, which needs a planner's key (asked for here, kept in this tab). */
  var KEY = "site-gis-api-key";

  function post(url, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var key = sessionStorage.getItem(KEY);
    if (key) { headers["X-API-Key"] = key; }
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      });
  }

  function money(value) {
    return value === null || value === undefined ? "suppressed (too few structures)" :
      "PKR " + (value / 1e6).toLocaleString("en-GB", { maximumFractionDigits: 1 }) + " million";
  }

  function drawArea(map, opts) {
    var drawn = new L.FeatureGroup().addTo(map);
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polygon: { allowIntersection: false, showArea: true, metric: true },
        polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false },
      edit: false
    }));
    var box = panel(map, {
      title: "Drawn area", position: "bottomleft", className: "sg-area-panel",
      html: "<div class=\"sg-area\" role=\"status\">Draw a polygon (the pentagon " +
        "button, top left) to list the encroached parcels in it and estimate resettlement." +
        "</div>"
    }).getContainer();
    var out = box.querySelector(".sg-area");
    var area = null;
    function estimate() {
      var part = out.querySelector(".sg-area-estimate");
      part.textContent = "Estimating resettlement\u2026";
      begin();
      post(opts.estimate_url, { polygon: area, phases: opts.phases }).then(function (r) {
        if (r.status === 401 || r.status === 403) {
          part.innerHTML = "<p class=\"sg-warn\">The resettlement estimate needs a planner's " +
            "API key" + (r.status === 403 ? " (this key has not the planner role)" : "") +
            ".</p><form class=\"sg-key-inline\"><label>API key <input type=\"password\" " +
            "name=\"key\" autocomplete=\"off\"></label> <button type=\"submit\">Estimate" +
            "</button></form>";
          part.querySelector("form").addEventListener("submit", function (e) {
            e.preventDefault();
            sessionStorage.setItem(KEY, e.target.elements.key.value.trim());
            estimate();
          });
          return;
        }
        if (r.status !== 200) { part.textContent = "No estimate: " + (r.data.detail || r.status); return; }
        var t = r.data.totals[0];
        part.innerHTML = rows([["Structures", t.structures], ["Households", t.households],
          ["People", t.people], ["Businesses", t.businesses],
          ["Resettlement estimate", money(t.suppressed ? null : t.total)]]) +
          "<p class=\"sg-note\">" + (r.data.synthetic ? "SYNTHETIC data. " : "") +
          "Rates from the entitlement matrix; items to verify: " +
          esc(r.data.to_verify.length) + ".</p>";
      }).catch(function (err) { part.textContent = "No estimate: " + err.message; })
        .then(end, end);
    }
    map.on(L.Draw.Event.CREATED, function (e) {
      drawn.clearLayers();
      e.layer.options.interactive = false;  // clicks still reach the parcels beneath
      drawn.addLayer(e.layer);
      area = e.layer.toGeoJSON().geometry;
      box.querySelector(".sg-panel-toggle").setAttribute("aria-expanded", "true");
      out.textContent = "Finding the encroached parcels\u2026";
      begin();
      post(opts.parcels_url, { polygon: area, limit: 200 }).then(function (r) {
        if (r.status !== 200) { out.textContent = "No parcels: " + (r.data.detail || r.status); return; }
        var ids = r.data.features.map(function (f) { return f.id; });
        var m2 = r.data.features.reduce(function (sum, f) {
          return sum + (f.properties.encroached_m2 || 0);
        }, 0);
        out.innerHTML = "<p><strong>" + esc(r.data.numberMatched) + " encroached parcels</strong>" +
          (ids.length ? ": " + esc(ids.join(", ")) : "") + (r.data.numberMatched > ids.length ?
          " \u2026" : "") + "</p>" + rows([["Encroached (ha)", m2 / 1e4]]) +
          "<div class=\"sg-area-estimate\"></div>";
        estimate();
      }).catch(function (err) { out.textContent = "No parcels: " + err.message; })
        .then(end, end);
    });
  }

  /* Print (or save as PDF from the print dialogue): the print style shows title, legend,
     scale bar, north arrow, date, data version and the SYNTHETIC notice. */
  function stampDate() {
    document.querySelectorAll(".sg-print-date").forEach(function (el) {
      el.textContent = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
    });
    document.querySelectorAll(".sg-legend-panel .sg-panel-toggle").forEach(function (b) {
      b.setAttribute("aria-expanded", "true");
    });
  }

  function printButton(map) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-bar sg-print");
      div.innerHTML = "<a href=\"#\" role=\"button\" title=\"Print or save as PDF\" " +
        "aria-label=\"Print or save as PDF\">Print</a>";
      L.DomEvent.on(div.firstChild, "click", function (e) {
        L.DomEvent.preventDefault(e);
        stampDate();
        window.print();
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    control.addTo(map);
    var north = document.querySelector(".sg-north");
    if (north) { map.getContainer().appendChild(north); }  // drawn on the map when printed
    window.addEventListener("beforeprint", stampDate);
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
    searchBox(map);
    printButton(map);
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
    drawArea: drawArea,
    coordinates: coordinates,
    utm: utm,
    searchBox: searchBox,
    notice: notice,
    baseMap: baseMap,
    signalReady: signalReady
  };
})();
