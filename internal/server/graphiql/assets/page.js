// civicgraph: starts GraphiQL from the embedded React/GraphiQL UMD bundles.
// Kept as a file (not an inline script) so the page can forbid inline scripts
// with its Content-Security-Policy. The endpoint comes from a data attribute
// that the Go handler fills in.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var fetcher = GraphiQL.createFetcher({
    url: new URL(endpoint, window.location.href).toString(),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: false,
    }),
  );
})();
