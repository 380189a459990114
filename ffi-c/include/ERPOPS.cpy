      *> ERPOPS.cpy: libERPOps constants for GnuCOBOL programs.
      *> GENERATED from ffi-c/src by `make header`; do not edit.
      *> Status codes returned by every fallible erpops_* call
      *> (RETURNING a BINARY-LONG field); 0 is success.
       78 ERPOPS-STATUS-OK                       VALUE 0.
       78 ERPOPS-STATUS-INVALID-ARGUMENT         VALUE 100.
       78 ERPOPS-STATUS-NULL-ARGUMENT            VALUE 101.
       78 ERPOPS-STATUS-BUFFER-TOO-SMALL         VALUE 102.
       78 ERPOPS-STATUS-INVALID-UTF8             VALUE 103.
       78 ERPOPS-STATUS-NOT-FOUND                VALUE 104.
       78 ERPOPS-STATUS-SECRET-EMPTY             VALUE 200.
       78 ERPOPS-STATUS-SIGNATURE-MISSING        VALUE 201.
       78 ERPOPS-STATUS-SIGNATURE-MALFORMED      VALUE 202.
       78 ERPOPS-STATUS-SIGNATURE-MISMATCH       VALUE 203.
       78 ERPOPS-STATUS-INVALID-EVENT            VALUE 300.
       78 ERPOPS-STATUS-BODY-TOO-LARGE           VALUE 301.
       78 ERPOPS-STATUS-INTERNAL                 VALUE 900.
      *> Sizes of fixed outputs, in bytes.
       78 ERPOPS-SIGNATURE-HEADER-LEN            VALUE 71.
       78 ERPOPS-MAC-LEN                         VALUE 32.
       78 ERPOPS-ABI-VERSION                     VALUE 1.
