// The citizens' pages: small helps that the forms do without (every page works with scripts off).
(function () {
  'use strict';
  // Fills latitude and longitude from the browser's position, where the citizen allows it.
  var locate = document.getElementById('locate');
  if (locate) {
    locate.addEventListener('click', function () {
      var s = document.getElementById('locate-status');
      if (!navigator.geolocation) { s.textContent = '—'; return; }
      s.textContent = '…';
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
        s.textContent = '✓';
        document.dispatchEvent(new CustomEvent('jiesu:point'));
      }, function (e) { s.textContent = e.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
  // More than three photos: said at once, not after the upload.
  var photos = document.getElementById('photos');
  if (photos) {
    photos.addEventListener('change', function () {
      if (this.files.length > 3) { alert(this.dataset.tooMany); this.value = ''; }
    });
  }
})();
