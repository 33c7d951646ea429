// Submits a service request and reads it back with Code for America's Open311 client for Node.js
// (npm `open311`, github.com/codeforamerica/node-open311), as a third-party application would.
//
//   node node-client.js BASE_URL API_KEY        BASE_URL like http://127.0.0.1:8080/open311/v2
//
// Prints one JSON object: the listed service, the created id and the record read back. Exits
// non-zero with a message on any failure. Only the JSON format is used: the client's XML parsers
// come from a git URL (unreachable here) and a native module, so tests stub them out.
'use strict';

var Open311 = require('open311');

var base = process.argv[2];
var apiKey = process.argv[3];
if (!base || !apiKey) {
  console.error('usage: node node-client.js BASE_URL API_KEY');
  process.exit(2);
}

var client = new Open311({
  endpoint: base.replace(/\/?$/, '/'),
  format: 'json',
  apiKey: apiKey,
  jurisdiction: 'pingshan'
});

function fail(what, detail) {
  console.error(what + ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)));
  process.exit(1);
}

function readBack(id, triesLeft, done) {
  // The request is stored asynchronously (a queue sits in between): retry briefly.
  client.serviceRequests(id, function (err, data) {
    if (err) {
      if (triesLeft > 0) {
        return setTimeout(function () { readBack(id, triesLeft - 1, done); }, 200);
      }
      return fail('serviceRequests(' + id + ')', data);
    }
    done(data);
  });
}

client.serviceList(function (err, services) {
  if (err) { return fail('serviceList', services); }
  var service = services.filter(function (s) { return s.service_code === '010101'; })[0];
  if (!service) { return fail('serviceList', 'service 010101 is not listed'); }

  client.serviceDefinition('010101', function (err, definition) {
    if (err) { return fail('serviceDefinition', definition); }

    var request = {
      service_code: '010101',
      lat: 22.742,
      long: 114.387,
      description: '第三方客户端提交：秀新路口路灯不亮',
      phone: '13812345678',
      attributes: { lamps_out: '2' }
    };
    client.submitRequest(request, function (err, created) {
      if (err) { return fail('submitRequest', created); }
      var id = created && created[0] && created[0].service_request_id;
      if (typeof id !== 'string') { return fail('submitRequest', created); }
      readBack(id, 50, function (records) {
        console.log(JSON.stringify({ service: service, definition: definition, id: id, record: records[0] }));
      });
    });
  });
});
