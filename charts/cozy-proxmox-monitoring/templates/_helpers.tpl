{{- define "cozy-proxmox-monitoring.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cozy-proxmox
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- /* step7.grafana-dashboards finds the objects by this label, valued with the dashboard's uid */}}
cozy-proxmox.io/dashboard-uid: {{ include "cozy-proxmox-monitoring.uid" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cozy-proxmox-monitoring.json" -}}
{{- .Files.Get "dashboards/proxmox-ve.json" -}}
{{- end -}}

{{- define "cozy-proxmox-monitoring.uid" -}}
{{- (include "cozy-proxmox-monitoring.json" . | fromJson).uid -}}
{{- end -}}
