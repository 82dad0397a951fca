// How the project's Proxmox VE dashboard is recognised wherever it is provisioned: its Grafana uid and title
// (dashboards/proxmox-ve.json), and the labels the cozy-proxmox-monitoring chart puts on the GrafanaDashboard (or
// the sidecar ConfigMap) that carries it.
export const DASHBOARD_UID = 'cozy-proxmox-pve';
export const DASHBOARD_TITLE = 'Proxmox VE (cozy-proxmox)';
/** Label on the chart's GrafanaDashboard / ConfigMap, valued with the dashboard uid. */
export const DASHBOARD_UID_LABEL = 'cozy-proxmox.io/dashboard-uid';

/** grafana-operator's API, which CozyStack's monitoring stack runs (its dashboards are GrafanaDashboard objects). */
export const GRAFANA_DASHBOARD_API = 'grafana.integreatly.org/v1beta1';
export const GRAFANA_DASHBOARD_KIND = 'GrafanaDashboard';
/** The label Grafana's dashboard sidecar (kiwigrid k8s-sidecar) watches for, in setups without the operator. */
export const SIDECAR_LABEL = 'grafana_dashboard';

export const CHART_NAME = 'cozy-proxmox-monitoring';
