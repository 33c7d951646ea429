// The report form's map (Leaflet): the district's own streets and communities, no tile server
// unless the deployment set one. A tap sets the latitude and longitude fields (WGS84), which stay
// on the form for whoever cannot use a map; an address or a picked street moves the map there.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || !window.L) { return; }
  var lat = document.getElementById('lat');
  var lon = document.getElementById('lon');
  var area = document.getElementById('area');
  var address = document.getElementById('address');
  var gcj = el.dataset.crs === 'gcj02';

  // WGS84 <-> GCJ-02 (China's datum for commercial tiles): the published transform, and its
  // inverse by iteration (to well under a metre).
  var A = 6378245.0, EE = 0.00669342162296594323;
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  }
  function tLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  }
  function toGcj(la, lo) {
    var dLat = tLat(lo - 105, la - 35), dLon = tLon(lo - 105, la - 35);
    var rad = la / 180 * Math.PI, m = 1 - EE * Math.sin(rad) * Math.sin(rad), s = Math.sqrt(m);
    dLat = dLat * 180 / ((A * (1 - EE)) / (m * s) * Math.PI);
    dLon = dLon * 180 / (A / s * Math.cos(rad) * Math.PI);
    return [la + dLat, lo + dLon];
  }
  function toWgs(la, lo) {
    var w = [la, lo];
    for (var i = 0; i < 10; i++) {
      var g = toGcj(w[0], w[1]);
      w = [w[0] - (g[0] - la), w[1] - (g[1] - lo)];
    }
    return w;
  }
  // Where a WGS84 point is drawn, and which WGS84 point a spot on the map is.
  function shown(la, lo) { return gcj ? L.latLng(toGcj(la, lo)) : L.latLng(la, lo); }
  function picked(ll) { return gcj ? toWgs(ll.lat, ll.lng) : [ll.lat, ll.lng]; }

  el.hidden = false;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.attribution });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 18, attribution: el.dataset.attribution || '', subdomains: el.dataset.subdomains || 'abc'
    }).addTo(map);
  }
  var spot = null;
  function mark(la, lo) {
    var at = shown(la, lo);
    if (spot) { spot.setLatLng(at); } else {
      spot = L.circleMarker(at, { radius: 9, color: '#fff', weight: 3, fillColor: '#c0392b', fillOpacity: 1 }).addTo(map);
    }
  }
  function fromFields() {
    var la = parseFloat(lat.value), lo = parseFloat(lon.value);
    if (isFinite(la) && isFinite(lo)) { mark(la, lo); }
  }

  var byCode = {};
  var keywords = [];
  fetch(el.dataset.areas).then(function (r) { return r.json(); }).then(function (fc) {
    var layer = L.geoJSON(fc, {
      coordsToLatLng: function (c) { return shown(c[1], c[0]); },
      style: function (f) {
        var level = f.properties.level;
        return level === 'district' ? { color: '#07864a', weight: 3, fill: false }
          : level === 'street' ? { color: '#07864a', weight: 2, fillOpacity: 0.06 }
          : { color: '#3a5485', weight: 1, dashArray: '4 3', fillOpacity: 0 };
      },
      onEachFeature: function (f, l) {
        byCode[f.properties.code] = l;
        (f.properties.keywords || []).forEach(function (k) { keywords.push([k, f.properties.code]); });
        if (f.properties.level === 'street') {
          l.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'area-label' });
        }
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    el.dataset.ready = 'true';
    fromFields();
  });

  map.on('click', function (e) {
    var w = picked(e.latlng);
    lat.value = w[0].toFixed(6);
    lon.value = w[1].toFixed(6);
    mark(w[0], w[1]);
  });
  [lat, lon].forEach(function (f) { f.addEventListener('change', fromFields); });
  document.addEventListener('jiesu:point', function () { fromFields(); if (spot) { map.setView(spot.getLatLng(), 16); } });

  function show(code) {
    var l = byCode[code];
    if (l) { map.fitBounds(l.getBounds(), { padding: [8, 8] }); }
  }
  if (area) { area.addEventListener('change', function () { show(area.value); }); }
  // The address's area, by the district's gazetteer: the longest keyword it contains.
  function findAddress() {
    var text = address.value, best = null;
    keywords.forEach(function (k) { if (text.indexOf(k[0]) >= 0 && (!best || k[0].length > best[0].length)) { best = k; } });
    var status = document.getElementById('find-status');
    if (best) {
      show(best[1]);
      if (area && !area.value) { area.value = best[1]; }
      status.textContent = status.dataset.found.replace('{area}', byCode[best[1]].feature.properties.name);
    } else {
      status.textContent = status.dataset.none;
    }
  }
  var find = document.getElementById('find-address');
  if (find) { find.hidden = false; find.addEventListener('click', findAddress); }
  if (address) { address.addEventListener('change', findAddress); }
})();
