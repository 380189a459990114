      *> PAYNOTFY: the run signals of a nightly PeopleSoft payroll
      *> batch. The job runs it twice: as its first step, before the
      *> payroll program, and as its last step, after it:
      *>   ERPOPS_RUN_PHASE=started    integration.started
      *>   ERPOPS_RUN_PHASE=succeeded  integration.succeeded, with
      *>                               records_processed
      *>   ERPOPS_RUN_PHASE=failed     integration.failed, with
      *>                               records_processed and exit_code
      *> Both signals carry the same run_id, the run control id and
      *> the process instance (PAY_NIGHTLY_01-1234567), so ERPOps pairs
      *> the start with the end of this run even when runs overlap,
      *> and can tell a run that hangs from one that never started.
      *>
      *> Each time it fills an event from the job's own fields (PIC X
      *> names, PIC 9 counters), lets libERPOps build the JSON body and
      *> sign it, and writes two files that the next shell step POSTs
      *> with curl:
      *>   body.json  the exact body bytes (no trailing newline)
      *>   sig.txt    the X-ERPOps-Signature header value
      *> Inputs (environment): ERPOPS_RUN_PHASE (required),
      *> ERPOPS_SECRET (required), ERPOPS_OUT_DIR (default "."),
      *> ERPOPS_EVENT_TIME (RFC 3339; default: now).
      *> RETURN-CODE: 0 ready to send, 8 event refused, 12 set-up.
       IDENTIFICATION DIVISION.
       PROGRAM-ID. PAYNOTFY.
       DATA DIVISION.
       WORKING-STORAGE SECTION.
       COPY "ERPOPS.cpy".
      *> ---- what the payroll run knows about itself -----------------
      *> (in your job: the process instance the scheduler gave the run
      *> and the counters the payroll program left; fixed values here)
       01 JOB-FIELDS.
          05 JOB-CONNECTOR-ID    PIC X(36)
             VALUE "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d".
          05 JOB-SOURCE          PIC X(30) VALUE "PSFT_PAYROLL_BATCH".
          05 JOB-RUN-CNTL-ID     PIC X(30) VALUE "PAY_NIGHTLY_01".
          05 JOB-PRCS-INSTANCE   PIC 9(10) VALUE 1234567.
          05 JOB-RECORDS-DONE    PIC 9(9)  VALUE 18441.
          05 JOB-RECORDS-TOTAL   PIC 9(9)  VALUE 40000.
          05 JOB-EXIT-CODE       PIC 9(3)  VALUE 1.
          05 JOB-GROSS-AMOUNT    PIC 9(9)V99 VALUE 1234567.89.
      *> ---- which signal this step sends ---------------------------
       01 RUN-PHASE              PIC X(20).
          88 PHASE-STARTED       VALUE "started".
          88 PHASE-SUCCEEDED     VALUE "succeeded".
          88 PHASE-FAILED        VALUE "failed".
      *> ---- event text built from them -----------------------------
       01 EV-TYPE                PIC X(40).
       01 EV-SEVERITY            PIC X(8).
       01 EV-MESSAGE             PIC X(200).
       01 EV-TIME                PIC X(40).
       01 EV-EDIT-RECORD         PIC Z(8)9.
       01 EV-EDIT-EXIT           PIC ZZ9.
       01 EV-EDIT-TOTAL          PIC Z(8)9.
       01 EV-EDIT-INSTANCE       PIC Z(9)9.
       01 EV-RUN-ID              PIC X(64).
      *> ---- library call arguments ---------------------------------
       01 LIB-STATUS             USAGE BINARY-LONG.
       01 LIB-BUILDER            USAGE POINTER.
       01 LIB-LEN                USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-KEY-LEN            USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-INT                USAGE BINARY-DOUBLE.
       01 LIB-UINT               USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-FLOAT              USAGE COMP-2.
       01 LIB-SECRET             PIC X(256).
       01 LIB-SECRET-LEN         USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-BODY               PIC X(65536).
       01 LIB-BODY-CAP           USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE 65536.
       01 LIB-BODY-LEN           USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-HEADER             PIC X(ERPOPS-SIGNATURE-HEADER-LEN).
       01 LIB-HEADER-CAP         USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE ERPOPS-SIGNATURE-HEADER-LEN.
       01 LIB-HEADER-LEN         USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-ERROR              PIC X(2000).
       01 LIB-ERROR-CAP          USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE 2000.
       01 LIB-ERROR-LEN          USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-CALL               PIC X(60).
      *> ---- byte-stream output (CBL_ file routines write exact bytes)
       01 OUT-DIR                PIC X(200).
       01 OUT-PATH               PIC X(260).
       01 OUT-HANDLE             PIC X(4) USAGE COMP-X.
       01 OUT-OFFSET             PIC X(8) USAGE COMP-X VALUE 0.
       01 OUT-COUNT              PIC X(4) USAGE COMP-X.
       01 OUT-ACCESS             PIC X USAGE COMP-X VALUE 2.
       01 OUT-DENY               PIC X USAGE COMP-X VALUE 0.
       01 OUT-DEVICE             PIC X USAGE COMP-X VALUE 0.
       01 OUT-FLAGS              PIC X USAGE COMP-X VALUE 0.
       01 OUT-RC                 USAGE BINARY-LONG.

       PROCEDURE DIVISION.
       MAIN-LINE.
           PERFORM DESCRIBE-RUN
           PERFORM BUILD-AND-SIGN
           PERFORM WRITE-FILES
           DISPLAY "PAYNOTFY: " FUNCTION TRIM(EV-TYPE) " ready, "
                   LIB-BODY-LEN " bytes"
           MOVE 0 TO RETURN-CODE
           GOBACK.

      *> Turn the phase and the run's counters into event fields. The
      *> run id is the same in every phase of one run: the run control
      *> id and the process instance, unique per run.
       DESCRIBE-RUN.
           ACCEPT RUN-PHASE FROM ENVIRONMENT "ERPOPS_RUN_PHASE"
           MOVE JOB-RECORDS-DONE TO EV-EDIT-RECORD
           MOVE JOB-RECORDS-TOTAL TO EV-EDIT-TOTAL
           MOVE JOB-EXIT-CODE TO EV-EDIT-EXIT
           MOVE JOB-PRCS-INSTANCE TO EV-EDIT-INSTANCE
           EVALUATE TRUE
              WHEN PHASE-STARTED
                 MOVE "integration.started" TO EV-TYPE
                 MOVE "info" TO EV-SEVERITY
                 STRING "Payroll run started, process instance "
                        DELIMITED BY SIZE
                        FUNCTION TRIM(EV-EDIT-INSTANCE)
                        DELIMITED BY SIZE
                        INTO EV-MESSAGE
                 END-STRING
              WHEN PHASE-SUCCEEDED
                 MOVE "integration.succeeded" TO EV-TYPE
                 MOVE "info" TO EV-SEVERITY
                 STRING "Processed " DELIMITED BY SIZE
                        FUNCTION TRIM(EV-EDIT-RECORD) DELIMITED BY SIZE
                        " of " DELIMITED BY SIZE
                        FUNCTION TRIM(EV-EDIT-TOTAL) DELIMITED BY SIZE
                        " records" DELIMITED BY SIZE
                        INTO EV-MESSAGE
                 END-STRING
              WHEN PHASE-FAILED
                 MOVE "integration.failed" TO EV-TYPE
                 MOVE "error" TO EV-SEVERITY
                 STRING "Exit code " DELIMITED BY SIZE
                        FUNCTION TRIM(EV-EDIT-EXIT) DELIMITED BY SIZE
                        " at record " DELIMITED BY SIZE
                        FUNCTION TRIM(EV-EDIT-RECORD) DELIMITED BY SIZE
                        INTO EV-MESSAGE
                 END-STRING
              WHEN OTHER
                 DISPLAY "PAYNOTFY: ERPOPS_RUN_PHASE must be started, "
                         "succeeded or failed" UPON SYSERR
                 MOVE 12 TO RETURN-CODE
                 GOBACK
           END-EVALUATE
           STRING FUNCTION TRIM(JOB-RUN-CNTL-ID) DELIMITED BY SIZE
                  "-" DELIMITED BY SIZE
                  FUNCTION TRIM(EV-EDIT-INSTANCE) DELIMITED BY SIZE
                  INTO EV-RUN-ID
           END-STRING
           ACCEPT EV-TIME FROM ENVIRONMENT "ERPOPS_EVENT_TIME"
           IF EV-TIME = SPACES
              PERFORM CURRENT-TIME-RFC3339
           END-IF.

      *> FUNCTION CURRENT-DATE: YYYYMMDDhhmmssff+hhmm (local time and
      *> its offset); RFC 3339 with that offset is a valid timestamp.
       CURRENT-TIME-RFC3339.
           STRING FUNCTION CURRENT-DATE(1:4) "-"
                  FUNCTION CURRENT-DATE(5:2) "-"
                  FUNCTION CURRENT-DATE(7:2) "T"
                  FUNCTION CURRENT-DATE(9:2) ":"
                  FUNCTION CURRENT-DATE(11:2) ":"
                  FUNCTION CURRENT-DATE(13:2) "."
                  FUNCTION CURRENT-DATE(15:2)
                  FUNCTION CURRENT-DATE(17:3) ":"
                  FUNCTION CURRENT-DATE(20:2)
                  DELIMITED BY SIZE INTO EV-TIME
           END-STRING.

       BUILD-AND-SIGN.
           ACCEPT LIB-SECRET FROM ENVIRONMENT "ERPOPS_SECRET"
           IF LIB-SECRET = SPACES
              DISPLAY "PAYNOTFY: ERPOPS_SECRET is not set" UPON SYSERR
              MOVE 12 TO RETURN-CODE
              GOBACK
           END-IF
           MOVE FUNCTION LENGTH(FUNCTION TRIM(LIB-SECRET TRAILING))
             TO LIB-SECRET-LEN

           MOVE "erpops_event_builder_new" TO LIB-CALL
           CALL "erpops_event_builder_new" USING
                BY REFERENCE LIB-BUILDER
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_connector_id" TO LIB-CALL
           MOVE FUNCTION LENGTH(
                FUNCTION TRIM(JOB-CONNECTOR-ID TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_connector_id" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE JOB-CONNECTOR-ID BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_event_type" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(EV-TYPE TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_event_type" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-TYPE BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_timestamp" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(EV-TIME TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_timestamp" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-TIME BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_severity" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(EV-SEVERITY TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_severity" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-SEVERITY BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_source" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(JOB-SOURCE TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_source" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE JOB-SOURCE BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_message" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(EV-MESSAGE TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_message" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-MESSAGE BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_set_run_id" TO LIB-CALL
           MOVE FUNCTION LENGTH(FUNCTION TRIM(EV-RUN-ID TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_set_run_id" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-RUN-ID BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_add_string run_cntl_id"
             TO LIB-CALL
           MOVE 11 TO LIB-KEY-LEN
           MOVE FUNCTION LENGTH(FUNCTION TRIM(JOB-RUN-CNTL-ID TRAILING))
             TO LIB-LEN
           CALL "erpops_event_builder_add_string" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE "run_cntl_id" BY VALUE LIB-KEY-LEN
                BY REFERENCE JOB-RUN-CNTL-ID BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_add_int process_instance"
             TO LIB-CALL
           MOVE JOB-PRCS-INSTANCE TO LIB-INT
           MOVE 16 TO LIB-KEY-LEN
           CALL "erpops_event_builder_add_int" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE "process_instance" BY VALUE LIB-KEY-LEN
                BY VALUE LIB-INT
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           IF NOT PHASE-STARTED
              PERFORM DESCRIBE-OUTCOME
           END-IF

           MOVE "erpops_event_builder_build_signed" TO LIB-CALL
           CALL "erpops_event_builder_build_signed" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE LIB-SECRET BY VALUE LIB-SECRET-LEN
                BY REFERENCE LIB-BODY BY VALUE LIB-BODY-CAP
                BY REFERENCE LIB-BODY-LEN
                BY REFERENCE LIB-HEADER BY VALUE LIB-HEADER-CAP
                BY REFERENCE LIB-HEADER-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           CALL "erpops_event_builder_free" USING BY VALUE LIB-BUILDER.

      *> The end of the run: what it processed, and for a failure how
      *> it ended.
       DESCRIBE-OUTCOME.
           MOVE "erpops_event_builder_set_records_processed" TO LIB-CALL
           MOVE JOB-RECORDS-DONE TO LIB-UINT
           CALL "erpops_event_builder_set_records_processed" USING
                BY VALUE LIB-BUILDER
                BY VALUE LIB-UINT
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_add_int records_total" TO LIB-CALL
           MOVE JOB-RECORDS-TOTAL TO LIB-INT
           MOVE 13 TO LIB-KEY-LEN
           CALL "erpops_event_builder_add_int" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE "records_total" BY VALUE LIB-KEY-LEN
                BY VALUE LIB-INT
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_add_float gross_amount"
             TO LIB-CALL
           MOVE JOB-GROSS-AMOUNT TO LIB-FLOAT
           MOVE 12 TO LIB-KEY-LEN
           CALL "erpops_event_builder_add_float" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE "gross_amount" BY VALUE LIB-KEY-LEN
                BY VALUE LIB-FLOAT
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           IF PHASE-FAILED
              MOVE "erpops_event_builder_add_int exit_code" TO LIB-CALL
              MOVE JOB-EXIT-CODE TO LIB-INT
              MOVE 9 TO LIB-KEY-LEN
              CALL "erpops_event_builder_add_int" USING
                   BY VALUE LIB-BUILDER
                   BY REFERENCE "exit_code" BY VALUE LIB-KEY-LEN
                   BY VALUE LIB-INT
                   RETURNING LIB-STATUS
              PERFORM CHECK-STATUS
           END-IF.

      *> Any status but OK ends the step with the library's own words.
       CHECK-STATUS.
           IF LIB-STATUS NOT = ERPOPS-STATUS-OK
              CALL "erpops_last_error_message" USING
                   BY REFERENCE LIB-ERROR BY VALUE LIB-ERROR-CAP
                   BY REFERENCE LIB-ERROR-LEN
              END-CALL
              DISPLAY "PAYNOTFY: " FUNCTION TRIM(LIB-CALL)
                      " failed with status " LIB-STATUS ": "
                      LIB-ERROR(1:LIB-ERROR-LEN) UPON SYSERR
              MOVE 8 TO RETURN-CODE
              GOBACK
           END-IF.

       WRITE-FILES.
           ACCEPT OUT-DIR FROM ENVIRONMENT "ERPOPS_OUT_DIR"
           IF OUT-DIR = SPACES
              MOVE "." TO OUT-DIR
           END-IF
           MOVE SPACES TO OUT-PATH
           STRING FUNCTION TRIM(OUT-DIR) "/body.json"
                  DELIMITED BY SIZE INTO OUT-PATH
           END-STRING
           MOVE LIB-BODY-LEN TO OUT-COUNT
           CALL "CBL_CREATE_FILE" USING OUT-PATH OUT-ACCESS OUT-DENY
                OUT-DEVICE OUT-HANDLE RETURNING OUT-RC
           PERFORM CHECK-FILE
           CALL "CBL_WRITE_FILE" USING OUT-HANDLE OUT-OFFSET OUT-COUNT
                OUT-FLAGS LIB-BODY RETURNING OUT-RC
           PERFORM CHECK-FILE
           CALL "CBL_CLOSE_FILE" USING OUT-HANDLE RETURNING OUT-RC

           MOVE SPACES TO OUT-PATH
           STRING FUNCTION TRIM(OUT-DIR) "/sig.txt"
                  DELIMITED BY SIZE INTO OUT-PATH
           END-STRING
           MOVE LIB-HEADER-LEN TO OUT-COUNT
           CALL "CBL_CREATE_FILE" USING OUT-PATH OUT-ACCESS OUT-DENY
                OUT-DEVICE OUT-HANDLE RETURNING OUT-RC
           PERFORM CHECK-FILE
           CALL "CBL_WRITE_FILE" USING OUT-HANDLE OUT-OFFSET OUT-COUNT
                OUT-FLAGS LIB-HEADER RETURNING OUT-RC
           PERFORM CHECK-FILE
           CALL "CBL_CLOSE_FILE" USING OUT-HANDLE RETURNING OUT-RC.

       CHECK-FILE.
           IF OUT-RC NOT = 0
              DISPLAY "PAYNOTFY: cannot write " FUNCTION TRIM(OUT-PATH)
                      " (" OUT-RC ")" UPON SYSERR
              MOVE 12 TO RETURN-CODE
              GOBACK
           END-IF.
