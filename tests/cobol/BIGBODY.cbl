      *> BIGBODY: a batch step whose event is too large to deliver.
      *>
      *> Test program for tests/cobol/run.sh (issue #22). It fills an
      *> event with ERPOPS_NOTES metadata strings of 1,024 characters
      *> (NOTE01, NOTE02, ...) and one of ERPOPS_PAD_LEN characters
      *> (PAD), then asks libERPOps to build and sign it. A body over
      *> the receiver's 64 KiB limit must be refused before signing with
      *> ERPOPS-STATUS-BODY-TOO-LARGE, the C library's code.
      *> RETURN-CODE: 0 built and signed (length on stdout), 4 refused
      *> as too large (status and message on stderr), 8 any other
      *> status, 12 set-up.
       IDENTIFICATION DIVISION.
       PROGRAM-ID. BIGBODY.
       DATA DIVISION.
       WORKING-STORAGE SECTION.
       COPY "ERPOPS.cpy".
       01 EV-CONNECTOR-ID        PIC X(36)
          VALUE "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d".
       01 EV-TYPE                PIC X(18) VALUE "integration.failed".
       01 EV-TIME                PIC X(20) VALUE "2026-04-20T03:00:00Z".
       01 EV-NOTE-KEY.
          05 FILLER              PIC X(4) VALUE "NOTE".
          05 EV-NOTE-NO          PIC 99.
       01 EV-NOTE-VALUE          PIC X(1024) VALUE ALL "X".
       01 EV-PAD-VALUE           PIC X(1024) VALUE ALL "Y".
       01 ENV-TEXT               PIC X(10).
       01 EV-NOTES               PIC 99.
       01 EV-PAD-LEN             PIC 9(4).
       01 LIB-STATUS             USAGE BINARY-LONG.
       01 LIB-BUILDER            USAGE POINTER.
       01 LIB-LEN                USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-KEY-LEN            USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-SECRET             PIC X(256).
       01 LIB-SECRET-LEN         USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-BODY               PIC X(70000).
       01 LIB-BODY-CAP           USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE 70000.
       01 LIB-BODY-LEN           USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-HEADER             PIC X(ERPOPS-SIGNATURE-HEADER-LEN).
       01 LIB-HEADER-CAP         USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE ERPOPS-SIGNATURE-HEADER-LEN.
       01 LIB-HEADER-LEN         USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-ERROR              PIC X(2000).
       01 LIB-ERROR-CAP          USAGE BINARY-DOUBLE UNSIGNED
                                 VALUE 2000.
       01 LIB-ERROR-LEN          USAGE BINARY-DOUBLE UNSIGNED.
       01 LIB-CALL               PIC X(40).

       PROCEDURE DIVISION.
       MAIN-LINE.
           ACCEPT LIB-SECRET FROM ENVIRONMENT "ERPOPS_SECRET"
           ACCEPT ENV-TEXT FROM ENVIRONMENT "ERPOPS_NOTES"
           MOVE FUNCTION NUMVAL(ENV-TEXT) TO EV-NOTES
           ACCEPT ENV-TEXT FROM ENVIRONMENT "ERPOPS_PAD_LEN"
           MOVE FUNCTION NUMVAL(ENV-TEXT) TO EV-PAD-LEN
           IF LIB-SECRET = SPACES OR EV-PAD-LEN > 1024
              DISPLAY "BIGBODY: set ERPOPS_SECRET, ERPOPS_NOTES and "
                      "ERPOPS_PAD_LEN (0-1024)" UPON SYSERR
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
           MOVE 36 TO LIB-LEN
           CALL "erpops_event_builder_set_connector_id" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-CONNECTOR-ID BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS
           MOVE "erpops_event_builder_set_event_type" TO LIB-CALL
           MOVE 18 TO LIB-LEN
           CALL "erpops_event_builder_set_event_type" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-TYPE BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS
           MOVE "erpops_event_builder_set_timestamp" TO LIB-CALL
           MOVE 20 TO LIB-LEN
           CALL "erpops_event_builder_set_timestamp" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE EV-TIME BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_add_string NOTEnn" TO LIB-CALL
           MOVE 6 TO LIB-KEY-LEN
           MOVE 1024 TO LIB-LEN
           PERFORM VARYING EV-NOTE-NO FROM 1 BY 1
                   UNTIL EV-NOTE-NO > EV-NOTES
              CALL "erpops_event_builder_add_string" USING
                   BY VALUE LIB-BUILDER
                   BY REFERENCE EV-NOTE-KEY BY VALUE LIB-KEY-LEN
                   BY REFERENCE EV-NOTE-VALUE BY VALUE LIB-LEN
                   RETURNING LIB-STATUS
              PERFORM CHECK-STATUS
           END-PERFORM
           MOVE "erpops_event_builder_add_string PAD" TO LIB-CALL
           MOVE 3 TO LIB-KEY-LEN
           MOVE EV-PAD-LEN TO LIB-LEN
           CALL "erpops_event_builder_add_string" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE "PAD" BY VALUE LIB-KEY-LEN
                BY REFERENCE EV-PAD-VALUE BY VALUE LIB-LEN
                RETURNING LIB-STATUS
           PERFORM CHECK-STATUS

           MOVE "erpops_event_builder_build_signed" TO LIB-CALL
           CALL "erpops_event_builder_build_signed" USING
                BY VALUE LIB-BUILDER
                BY REFERENCE LIB-SECRET BY VALUE LIB-SECRET-LEN
                BY REFERENCE LIB-BODY BY VALUE LIB-BODY-CAP
                BY REFERENCE LIB-BODY-LEN
                BY REFERENCE LIB-HEADER BY VALUE LIB-HEADER-CAP
                BY REFERENCE LIB-HEADER-LEN
                RETURNING LIB-STATUS
           IF LIB-STATUS = ERPOPS-STATUS-BODY-TOO-LARGE
              PERFORM SHOW-ERROR
              CALL "erpops_event_builder_free" USING
                   BY VALUE LIB-BUILDER
              MOVE 4 TO RETURN-CODE
              GOBACK
           END-IF
           PERFORM CHECK-STATUS
           CALL "erpops_event_builder_free" USING BY VALUE LIB-BUILDER
           DISPLAY "BIGBODY: built and signed " LIB-BODY-LEN " bytes"
           MOVE 0 TO RETURN-CODE
           GOBACK.

      *> The status number and the library's own message.
       SHOW-ERROR.
           CALL "erpops_last_error_message" USING
                BY REFERENCE LIB-ERROR BY VALUE LIB-ERROR-CAP
                BY REFERENCE LIB-ERROR-LEN
           END-CALL
           DISPLAY "BIGBODY: " FUNCTION TRIM(LIB-CALL)
                   " failed with status " LIB-STATUS ": "
                   LIB-ERROR(1:LIB-ERROR-LEN) UPON SYSERR.

       CHECK-STATUS.
           IF LIB-STATUS NOT = ERPOPS-STATUS-OK
              PERFORM SHOW-ERROR
              MOVE 8 TO RETURN-CODE
              GOBACK
           END-IF.
