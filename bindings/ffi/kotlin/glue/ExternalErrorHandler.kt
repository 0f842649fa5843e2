// Completes the generated Kotlin of kamkor_ffi: uniffi 0.32.2 does not emit the handler of an
// external error type renamed in uniffi.toml (core's `Error` is renamed `KamkorException`, see
// core/uniffi.toml), so it is written here exactly as uniffi's ExternalTypeTemplate.kt would.
// Ship this file with the generated `kamkor_ffi.kt` (same package).
package uniffi.kamkor_ffi

object KamkorExceptionExternalErrorHandler : UniffiRustCallStatusErrorHandler<uniffi.kamkor_core.KamkorException> {
    override fun lift(error_buf: RustBuffer.ByValue): uniffi.kamkor_core.KamkorException =
        uniffi.kamkor_core.KamkorException.ErrorHandler.lift(
            uniffi.kamkor_core.RustBuffer.ByValue().apply {
                capacity = error_buf.capacity
                len = error_buf.len
                data = error_buf.data
            }
        )
}
