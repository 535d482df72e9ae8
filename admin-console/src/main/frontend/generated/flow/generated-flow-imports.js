import '@vaadin/vertical-layout/src/vaadin-vertical-layout.js';
import '@vaadin/app-layout/src/vaadin-app-layout.js';
import '@vaadin/horizontal-layout/src/vaadin-horizontal-layout.js';
import '@vaadin/app-layout/src/vaadin-drawer-toggle.js';
import '@vaadin/button/src/vaadin-button.js';
import '@vaadin/tooltip/src/vaadin-tooltip.js';
import 'Frontend/generated/jar-resources/disableOnClickFunctions.js';
import '@vaadin/side-nav/src/vaadin-side-nav.js';
import '@vaadin/side-nav/src/vaadin-side-nav-item.js';
import '@vaadin/select/src/vaadin-select.js';
import 'Frontend/generated/jar-resources/selectConnector.js';
import 'Frontend/generated/jar-resources/flow-component-renderer.js';
import 'Frontend/generated/jar-resources/flow-component-directive.js';
import 'Frontend/generated/jar-resources/lit-renderer.ts';
import '@vaadin/grid/src/vaadin-grid.js';
import '@vaadin/grid/src/vaadin-grid-column.js';
import '@vaadin/grid/src/vaadin-grid-sorter.js';
import '@vaadin/checkbox/src/vaadin-checkbox.js';
import 'Frontend/generated/jar-resources/gridConnector.ts';
import 'Frontend/generated/jar-resources/vaadin-grid-flow-selection-column.js';
import '@vaadin/grid/src/vaadin-grid-column-group.js';
import '@vaadin/context-menu/src/vaadin-context-menu.js';
import 'Frontend/generated/jar-resources/contextMenuConnector.js';
import 'Frontend/generated/jar-resources/contextMenuTargetConnector.js';
import '@vaadin/text-field/src/vaadin-text-field.js';
import '@vaadin/notification/src/vaadin-notification.js';
import '@vaadin/date-time-picker/src/vaadin-date-time-picker.js';
import '@vaadin/date-picker/src/vaadin-date-picker.js';
import 'Frontend/generated/jar-resources/datepickerConnector.js';
import '@vaadin/time-picker/src/vaadin-time-picker.js';
import 'Frontend/generated/jar-resources/vaadin-time-picker/timepickerConnector.js';
import 'Frontend/generated/jar-resources/vaadin-time-picker/helpers.js';
import '@vaadin/confirm-dialog/src/vaadin-confirm-dialog.js';
import '@vaadin/form-layout/src/vaadin-form-layout.js';
import '@vaadin/form-layout/src/vaadin-form-item.js';
import '@vaadin/form-layout/src/vaadin-form-row.js';
import '@vaadin/common-frontend/ConnectionIndicator.js';
import 'Frontend/generated/jar-resources/ReactRouterOutletElement.tsx';

const loadOnDemand = (key) => {
  const pending = [];
  if (key === 'bf20d3e14ee432b5f0f6c9805409d392c0b10c8391a7abf8add4369bed1bdac4') {
    pending.push(import('./chunks/chunk-bd4e2d86f9b6c67e635b35116974dbeab58c2a02b9218976cad7e3ff87f182bd.js'));
  }
  if (key === '7775def2cc20ef448fa03985e77974bdd0181e50474143dada25d94155501278') {
    pending.push(import('./chunks/chunk-597db6d7ab7e6231afb6558424f5b34bb1a68a0c08e10409c7132eab60768a7f.js'));
  }
  if (key === 'c520c91e9fe9cf0ed4b3e7677163549e29e15a0504631f8d6f4d10cf04c27e00') {
    pending.push(import('./chunks/chunk-a7d3b89246b675b61dcd0ffbedadee27dcce51a146062a20ad63438c352f2153.js'));
  }
  if (key === 'fc1bcbecab063a2349021aee718dbd0b9f93b5dbf90265b75850b8c01668ede9') {
    pending.push(import('./chunks/chunk-bd4e2d86f9b6c67e635b35116974dbeab58c2a02b9218976cad7e3ff87f182bd.js'));
  }
  if (key === '8fc6701e934d635e72aefc055d3790c1fb867e7470949e8a404aa22eb2c2e4cc') {
    pending.push(import('./chunks/chunk-bd4e2d86f9b6c67e635b35116974dbeab58c2a02b9218976cad7e3ff87f182bd.js'));
  }
  return Promise.all(pending);
}

window.Vaadin = window.Vaadin || {};
window.Vaadin.Flow = window.Vaadin.Flow || {};
window.Vaadin.Flow.loadOnDemand = loadOnDemand;
window.Vaadin.Flow.resetFocus = () => {
 let ae=document.activeElement;
 while(ae&&ae.shadowRoot) ae = ae.shadowRoot.activeElement;
 return !ae || ae.blur() || ae.focus() || true;
}