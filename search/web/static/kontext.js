// Progressive enhancement of the search page: results follow the query as you type, and filters
// apply when they change. Without this file the page works the same with its submit buttons.
(function () {
  "use strict";
  var form = document.getElementById("search");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
  var input = document.getElementById("q");
  var timer = null;
  var latest = 0;

  // The page's URL for the form's state, defaults left out (as the server writes its links).
  function url() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") params.append(key, value);
    });
    if (!params.get("near")) params.delete("km");
    if (params.get("sort") === "relevance") params.delete("sort");
    var audiences = params.getAll("audience").sort().join(" ");
    var fieldset = document.getElementById("facet-audience");
    if (fieldset && audiences === fieldset.getAttribute("data-default")) params.delete("audience");
    var text = params.toString();
    return "/" + (text ? "?" + text : "");
  }

  function swap(target) {
    var ticket = ++latest;
    fetch(target, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (ticket !== latest) return;  // an older answer arriving late must not win
        var page = new DOMParser().parseFromString(html, "text/html");
        ["results", "filters"].forEach(function (id) {
          var fresh = page.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current && !(id === "filters" && current.contains(document.activeElement) &&
              document.activeElement.type === "text")) {
            current.replaceWith(fresh);
          }
        });
        var subscribe = page.querySelector(".subscribe form");
        var mine = document.querySelector(".subscribe form");
        if (subscribe && mine) {
          mine.querySelectorAll("input[type=hidden]").forEach(function (node) { node.remove(); });
          subscribe.querySelectorAll("input[type=hidden]").forEach(function (node) {
            mine.insertBefore(node, mine.firstChild);
          });
        }
        window.history.replaceState(null, "", target);
      })
      .catch(function () { /* the submit button still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { swap(url()); }, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target === input || event.target.type === "text" || event.target.type === "date") return;
    swap(url());
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    swap(url());
  });
}());
