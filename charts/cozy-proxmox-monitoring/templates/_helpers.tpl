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

{{- /* The exporter's objects: name and labels. */}}
{{- define "cozy-proxmox-monitoring.exporterName" -}}
{{- printf "%s-pve-exporter" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cozy-proxmox-monitoring.exporterSelector" -}}
app.kubernetes.io/name: prometheus-pve-exporter
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cozy-proxmox-monitoring.exporterLabels" -}}
{{ include "cozy-proxmox-monitoring.exporterSelector" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cozy-proxmox
app.kubernetes.io/version: {{ .Values.exporter.image.tag | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- /*
The scrape object the cluster's monitoring stack reads: exporter.scrape.kind, or for `auto` what the cluster serves
(the VictoriaMetrics operator's VMServiceScrape first: CozyStack's monitoring runs it).
*/}}
{{- define "cozy-proxmox-monitoring.scrapeKind" -}}
{{- $kind := .Values.exporter.scrape.kind -}}
{{- if eq $kind "auto" -}}
{{- if .Capabilities.APIVersions.Has "operator.victoriametrics.com/v1beta1/VMServiceScrape" -}}victoriametrics
{{- else if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" -}}prometheus-operator
{{- else -}}config
{{- end -}}
{{- else -}}{{ $kind }}
{{- end -}}
{{- end -}}

{{- /* The exporter's scrape parameters: the Proxmox host, its default module, the cluster and node collectors. */}}
{{- define "cozy-proxmox-monitoring.scrapeParams" -}}
target: [{{ .Values.exporter.target | quote }}]
module: [default]
cluster: ["1"]
node: ["1"]
{{- end -}}

{{- /*
The namespace of every object: namespaceOverride, else the release's. With an override, helm keeps the release's
records in its own namespace and needs no right to the Secrets of the monitoring namespace (CozyStack's tenant-root).
*/}}
{{- define "cozy-proxmox-monitoring.namespace" -}}
{{- .Values.namespaceOverride | default .Release.Namespace -}}
{{- end -}}
