/* A small map of the features of an OGC HTML page: their GeoJSON (lon/lat) from this
   server, drawn with the vendored Leaflet; no base map, nothing from elsewhere. */
(function () {
  "use strict";
  document.querySelectorAll(".sg-mini-map").forEach(function (div) {
    var map = L.map(div, { attributionControl: false });
    L.control.scale({ imperial: false }).addTo(map);
    fetch(div.getAttribute("data-url"), { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        var layer = L.geoJSON(data, {
          style: function () { return { color: "#0072B2", weight: 2, fillOpacity: 0.2 }; },
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 5 }); },
          onEachFeature: function (f, l) { l.bindTooltip(String(f.id)); }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [10, 10] });
        document.documentElement.setAttribute("data-map-ready", "1");
      }).catch(function (err) {
        div.textContent = "The map could not be drawn (" + err.message + ").";
        document.documentElement.setAttribute("data-map-ready", "1");
      });
  });
})();
