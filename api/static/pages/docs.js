/* Swagger UI on /docs, from the vendored bundle, reading this server's OpenAPI document. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,  // no request to the public validator
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
