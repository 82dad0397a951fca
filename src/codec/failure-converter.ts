// The failure converter used when the payload codec is on: a failure's message and stack trace are moved into a
// payload (encodeCommonAttributes), which the codec then encrypts like any other, so the history holds neither in
// clear (they can quote config values, hosts, a helm or SSH error). Whoever has the key reads them back: the
// client's converter restores them. Loaded by path (dataConverter.failureConverterPath): the worker and client
// require it, and the workflow bundle compiles it in, so it imports nothing but @temporalio/common.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
