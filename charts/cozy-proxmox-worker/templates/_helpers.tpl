{{- define "cozy-proxmox-worker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cozy-proxmox-worker.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "cozy-proxmox-worker.fullname" .) -}}
{{- end -}}

{{- define "cozy-proxmox-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cozy-proxmox-worker.labels" -}}
{{ include "cozy-proxmox-worker.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cozy-proxmox
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- /* The worker's shutdown grace in whole seconds; the value is a duration as the worker reads it: 500ms, 90s, 5m, 1h, 1d. */}}
{{- define "cozy-proxmox-worker.graceSeconds" -}}
{{- $v := toString .Values.worker.shutdownGraceTime -}}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h|d)$" $v) -}}
{{- fail (printf "worker.shutdownGraceTime must be a duration such as 60s or 5m, not %q" $v) -}}
{{- end -}}
{{- $n := regexFind "^[0-9]+" $v | int -}}
{{- $unit := regexFind "[a-z]+$" $v -}}
{{- $perUnit := dict "s" 1 "m" 60 "h" 3600 "d" 86400 -}}
{{- if eq $unit "ms" -}}{{ div (add $n 999) 1000 }}{{- else -}}{{ mul $n (get $perUnit $unit) }}{{- end -}}
{{- end -}}

{{- /* The second tenant's namespace of step6.policies: <testNamespace>-tenant-b, the test namespace cut so that the whole fits a DNS label. */}}
{{- define "cozy-proxmox-worker.tenantNamespace" -}}
{{- printf "%s-tenant-b" (regexReplaceAll "-+$" (.Values.rbac.testNamespace | trunc 54) "") -}}
{{- end -}}

{{- /* Where the chart steps install their releases (src/activities/charts/chart-step.ts CHART_RELEASES). */}}
{{- define "cozy-proxmox-worker.releaseNamespaces" -}}
{{- toJson (list "cozy-cluster-api" "cozy-proxmox" "cozy-proxmox-csi") -}}
{{- end -}}

{{- /* A RoleBinding of one of this release's ClusterRoles to the worker's ServiceAccount; (dict "root" $ "namespace" NS "role" SUFFIX). */}}
{{- define "cozy-proxmox-worker.roleBinding" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "cozy-proxmox-worker.fullname" .root }}-{{ .role }}
  namespace: {{ .namespace }}
  labels:
    {{- include "cozy-proxmox-worker.labels" .root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ include "cozy-proxmox-worker.fullname" .root }}-{{ .role }}
subjects:
  - kind: ServiceAccount
    name: {{ include "cozy-proxmox-worker.serviceAccountName" .root }}
    namespace: {{ .root.Release.Namespace }}
{{- end -}}
