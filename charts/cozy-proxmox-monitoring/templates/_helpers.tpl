{{- /* Labels of one dashboard's object; called with (dict "root" $ "uid" <the dashboard's uid>). */}}
{{- define "cozy-proxmox-monitoring.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: cozy-proxmox
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- /* step7.grafana-dashboards finds the objects by this label, valued with the dashboard's uid */}}
cozy-proxmox.io/dashboard-uid: {{ .uid }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- /* The Proxmox VE dashboard's JSON (NOTES.txt names it). */}}
{{- define "cozy-proxmox-monitoring.json" -}}
{{- .Files.Get "dashboards/proxmox-ve.json" -}}
{{- end -}}

{{- define "cozy-proxmox-monitoring.uid" -}}
{{- (include "cozy-proxmox-monitoring.json" . | fromJson).uid -}}
{{- end -}}

{{- /* The dashboards this release provisions: name, folder and file (under dashboards/) of each, as a YAML list. */}}
{{- define "cozy-proxmox-monitoring.dashboards" -}}
{{- $list := list (dict "name" .Values.dashboard.name "folder" .Values.dashboard.folder "file" "proxmox-ve.json") -}}
{{- if .Values.workerDashboard.enabled -}}
{{- $list = append $list (dict "name" .Values.workerDashboard.name "folder" .Values.workerDashboard.folder "file" "cozy-proxmox-worker.json") -}}
{{- end -}}
{{- toYaml $list -}}
{{- end -}}
