/* Jest globalTeardown: removes the throw-away home isolated-home.js made for the run. */
'use strict';
module.exports = require('./isolated-home').removeHome;
