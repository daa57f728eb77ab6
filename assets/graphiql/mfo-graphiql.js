// Starts GraphiQL on the page served by src/http/graphiql.rs (this project's own file, not
// GraphiQL's). The page's JSON config names the endpoint and, in demo mode only, the
// headers to prefill. Queries go over HTTP POST to the endpoint; subscriptions over
// graphql-transport-ws on the same path, with the headers editor's contents as the
// connection_init payload (GraphiQL merges them in), so the demo token works there too.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  function url(path, websocket) {
    var u = new URL(path, window.location.href);
    if (websocket) {
      u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    }
    return u.toString();
  }
  var props = {
    fetcher: GraphiQL.createFetcher({
      url: url(config.endpoint, false),
      subscriptionUrl: url(config.endpoint, true),
    }),
    defaultEditorToolsVisibility: config.headers ? 'headers' : true,
  };
  if (config.headers) {
    // `headers`, not `defaultHeaders`: it replaces what a tab restored from local storage
    // holds, so a token minted by a restart is the one shown.
    props.headers = config.headers;
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
