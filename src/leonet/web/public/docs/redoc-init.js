// Starts ReDoc on /redoc from the packaged standalone bundle (no inline script: the page's CSP forbids it).
window.addEventListener("load", function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, { hideDownloadButton: false }, root);
});
