'use strict';
// headless-gl's factory returns null when it cannot create a context; gpu.js checks for that.
module.exports = function createContext() { return null; };
