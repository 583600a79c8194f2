// Our own entry point for esbuild (not served): it bundles dmn-js from node_modules at set-up.
// The decision-table editor, bundled at set-up with NODE_ENV=production: dmn-js's own
// prebuilt bundle carries Inferno's development build (a console error on every page).
import DmnModeler from "dmn-js/lib/Modeler";

window.DmnJS = DmnModeler;
