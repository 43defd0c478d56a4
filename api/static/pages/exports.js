/* Export links of the home page: a browser link cannot send an API key, so with a key
   entered (kept in this tab's sessionStorage) each link is fetched with it and saved;
   without one, or with one the server refuses, the page says what is needed. */
(function () {
  "use strict";
  var form = document.getElementById("sg-key");
  if (!form) { return; }
  var status = document.querySelector(".sg-export-status");
  var STORE = "site-gis-api-key";
  function key() { return sessionStorage.getItem(STORE) || ""; }
  function say(text) { status.textContent = text; }
  form.elements.key.value = key();
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(STORE, form.elements.key.value.trim());
    say(key() ? "Key set: the export links below now send it." : "No key set.");
  });
  form.elements.forget.addEventListener("click", function () {
    sessionStorage.removeItem(STORE);
    form.elements.key.value = "";
    say("Key forgotten.");
  });
  function filename(response, url) {
    var found = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    return found ? found[1] : url.split("/").pop().split("?")[0];
  }
  document.querySelectorAll("a[data-export]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      e.preventDefault();
      if (!key()) {
        say("Sign-in needed: exports need an API key with the consultant role. Enter it " +
          "above and click the link again.");
        form.elements.key.focus();
        return;
      }
      say("Preparing " + link.textContent + "\u2026");
      fetch(link.href, { headers: { "X-API-Key": key() } }).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          return response.json().then(function (body) {
            say((response.status === 401 ? "This key is not accepted: " :
              "This key may not export this: ") + (body.detail || response.statusText));
          });
        }
        if (!response.ok) { say("The export failed: HTTP " + response.status); return; }
        return response.blob().then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = filename(response, link.href);
          document.body.appendChild(a);
          a.click();
          setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
          say("Saved " + a.download + ".");
        });
      }).catch(function (err) { say("The export failed: " + err.message); });
    });
  });
})();
