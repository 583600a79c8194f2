// Our own entry point for esbuild (not served): it bundles bpmn-auto-layout at set-up.
// Lays out a diagram that arrives without drawing information (some tools export only the
// process): the editor can then show and edit it.
import { layoutProcess } from "bpmn-auto-layout";

window.SimpulAutoLayout = layoutProcess;
