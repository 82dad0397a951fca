// The package's entry: its compiled commands. The repository compiles the product and this package together (the
// sandbox runs the product's own code), into the repository's dist/.
module.exports = require('../../dist/packages/sandbox/src/cli/index.js');
