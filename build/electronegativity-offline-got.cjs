// Stands in for `got` inside electronegativity (see electronegativity-offline.mjs): no network.
module.exports = function offlineGot() {
  return Promise.reject(new Error('Tincan runs electronegativity offline: no translations are downloaded.'));
};
