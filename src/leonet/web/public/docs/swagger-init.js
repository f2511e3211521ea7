// Starts Swagger UI on /docs from the packaged bundle (no inline script: the page's CSP forbids it). The OpenAPI
// document's URL comes from the container's data-openapi-url attribute. Requests made with "Try it out" ride on
// the dashboard's session cookie and carry the header the API's CSRF guard asks of cookie-authenticated changes.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: function (req) {
      req.headers["X-Requested-With"] = "leonet";
      return req;
    },
  });
});
