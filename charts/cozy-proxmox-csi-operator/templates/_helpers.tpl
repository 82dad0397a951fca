{{- define "proxmox-csi.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "proxmox-csi.driver" -}}csi.proxmox.sinextra.dev{{- end -}}

{{- define "proxmox-csi.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "proxmox-csi.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "proxmox-csi.tag" -}}{{ default .Chart.AppVersion .Values.images.tag }}{{- end -}}

{{/* The snapshot API is served only where the external-snapshotter CRDs are installed. */}}
{{- define "proxmox-csi.snapshots" -}}
{{- if and .Values.volumeSnapshotClass.create (.Capabilities.APIVersions.Has "snapshot.storage.k8s.io/v1") -}}true{{- end -}}
{{- end -}}

{{/* The plugin's client takes the URL of the API itself, so /api2/json is appended to the API root. */}}
{{- define "proxmox-csi.apiUrl" -}}
{{- $url := required "proxmox.url is required: the Proxmox VE API root, e.g. https://pve.example.com:8006" .Values.proxmox.url -}}
{{- printf "%s/api2/json" (regexReplaceAll "/(api2/json/?)?$" $url "") -}}
{{- end -}}

{{- define "proxmox-csi.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
