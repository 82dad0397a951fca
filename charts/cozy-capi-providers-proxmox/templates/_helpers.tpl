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

{{- define "capi-proxmox.caConfigMapName" -}}
{{- printf "%s-proxmox-ca" .Release.Name | trunc 253 -}}
{{- end -}}

{{/*
With proxmox.caCert: the manager container's --proxmox-root-cert-file (cluster-api-operator's container args) and
a patch of CAPMOX's Deployment (its one container, the manager, already mounts the webhook certificate) that mounts
the CA ConfigMap where that flag points.
*/}}
{{- define "capi-proxmox.caTrust" -}}
{{- if .Values.proxmox.caCert -}}
deployment:
  {{- if hasKey .Values.infrastructureProvider "replicas" }}
  replicas: {{ .Values.infrastructureProvider.replicas }}
  {{- end }}
  containers:
    - name: manager
      args:
        --proxmox-root-cert-file: /etc/proxmox-ca/ca.crt
patches:
  - target:
      group: apps
      version: v1
      kind: Deployment
      name: capmox-controller-manager
    # RFC 6902: the operator applies its "strategic merge" patches as JSON merge patches, which would replace the
    # containers list whole.
    patch: |
      - op: add
        path: /spec/template/spec/volumes/-
        value:
          name: proxmox-ca
          configMap:
            name: {{ include "capi-proxmox.caConfigMapName" . }}
      - op: add
        path: /spec/template/spec/containers/0/volumeMounts/-
        value:
          name: proxmox-ca
          mountPath: /etc/proxmox-ca
          readOnly: true
{{- else if hasKey .Values.infrastructureProvider "replicas" -}}
deployment:
  replicas: {{ .Values.infrastructureProvider.replicas }}
{{- end -}}
{{- end -}}
