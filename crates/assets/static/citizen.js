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
  // 秒回: answers to what the citizen is typing, offered before they submit; one that settles
  // the question submits the form as answered (the server records it closed).
  var box = document.getElementById('kb-suggest');
  var desc = document.getElementById('description');
  if (box && desc && window.fetch) {
    var list = document.getElementById('kb-list');
    var timer = null, last = '';
    var render = function (answers) {
      list.textContent = '';
      box.hidden = answers.length === 0;
      answers.forEach(function (a) {
        var item = document.createElement('article');
        item.className = 'kb-answer';
        var h = document.createElement('h3');
        h.textContent = a.question;
        var p = document.createElement('p');
        p.textContent = a.answer;
        item.appendChild(h);
        item.appendChild(p);
        if (a.source) {
          var s = document.createElement('p');
          s.className = 'hint';
          s.textContent = a.source;
          item.appendChild(s);
        }
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'weui-btn weui-btn_mini weui-btn_primary kb-accept';
        b.textContent = box.dataset.accept;
        b.addEventListener('click', function () {
          document.getElementById('answered_by').value = a.id;
          // The form's button is named "submit", which hides the form's own submit().
          HTMLFormElement.prototype.submit.call(desc.form);
        });
        item.appendChild(b);
        list.appendChild(item);
      });
    };
    var ask = function () {
      var q = desc.value.trim();
      if (q.length < 4 || q === last) { return; }
      last = q;
      fetch(box.dataset.url + '&q=' + encodeURIComponent(q))
        .then(function (r) { return r.json(); })
        .then(function (j) { render(j.answers || []); })
        .catch(function () {});
    };
    desc.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(ask, 600); });
    desc.addEventListener('change', ask);
  }
  // More than three photos: said at once, not after the upload.
  var photos = document.getElementById('photos');
  if (photos) {
    photos.addEventListener('change', function () {
      if (this.files.length > 3) { alert(this.dataset.tooMany); this.value = ''; }
    });
  }
})();
