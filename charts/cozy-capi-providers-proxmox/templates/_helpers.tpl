{{/* Labels every object of the release carries. */}}
{{- define "capi-proxmox.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "capi-proxmox.secretName" -}}
{{- default (printf "%s-credentials" .Release.Name) .Values.credentialsSecretName | trunc 253 -}}
{{- end -}}

{{/*
The provider's PROXMOX_URL. Required, and refused when it ends in /api2/json: CAPMOX appends the API path itself,
so such a URL makes every request miss and no VM is ever provisioned.
*/}}
{{- define "capi-proxmox.url" -}}
{{- $url := required "proxmox.url is required: the Proxmox VE API root, e.g. https://pve.example.com:8006" .Values.proxmox.url -}}
{{- if regexMatch "/api2/json/?$" $url -}}
{{- fail (printf "proxmox.url %q ends in /api2/json: give the API root (e.g. %s); with the suffix the provider never provisions a VM" $url (regexReplaceAll "/api2/json/?$" $url "")) -}}
{{- end -}}
{{- trimSuffix "/" $url -}}
{{- end -}}

{{/* The label by which a provider's fetchConfig.selector finds its components ConfigMap: (list KIND PROVIDER). */}}
{{- define "capi-proxmox.componentsSelector" -}}
cozy-proxmox.io/provider-components: {{ printf "%s-%s" (index . 0) (index . 1).name }}
{{- end -}}

{{/* A provider's fetchConfig when the chart ships its components: (list KIND PROVIDER). */}}
{{- define "capi-proxmox.fetchConfig" -}}
{{- if (index . 1).components -}}
fetchConfig:
  selector:
    matchLabels:
      {{- include "capi-proxmox.componentsSelector" . | nindent 6 }}
{{- end }}
{{- end -}}
