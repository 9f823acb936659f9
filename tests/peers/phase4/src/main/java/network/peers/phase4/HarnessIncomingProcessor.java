package network.peers.phase4;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.w3c.dom.Node;

import com.helger.collection.commons.ICommonsList;
import com.helger.http.header.HttpHeaderMap;
import com.helger.peppol.sbdh.PeppolSBDHData;
import com.helger.peppol.sbdh.PeppolSBDHDataReader;
import com.helger.peppolid.factory.PeppolIdentifierFactory;
import com.helger.phase4.attachment.WSS4JAttachment;
import com.helger.phase4.ebms3header.Ebms3SignalMessage;
import com.helger.phase4.ebms3header.Ebms3UserMessage;
import com.helger.phase4.error.AS4ErrorList;
import com.helger.phase4.incoming.IAS4IncomingMessageMetadata;
import com.helger.phase4.incoming.IAS4IncomingMessageState;
import com.helger.phase4.incoming.spi.AS4MessageProcessorResult;
import com.helger.phase4.incoming.spi.AS4SignalMessageProcessorResult;
import com.helger.phase4.incoming.spi.IAS4IncomingMessageProcessorSPI;
import com.helger.phase4.model.error.EEbmsError;
import com.helger.phase4.model.pmode.IPMode;
import com.helger.security.certificate.ECertificateCheckResult;
import com.helger.security.certificate.TrustedCAChecker;

/**
 * The Peppol part of the receiver: what phase4-peppol-servlet's message processor does, for a harness. phase4-lib
 * has already verified the WS-Security signature (against the trust store), decrypted and decompressed the
 * attachment; this checks the Peppol rules on top (signed and encrypted, signing certificate issued by a trusted AP
 * CA, exactly one attachment that is a valid Peppol SBD) and writes what arrived to the output folder:
 * {@code <n>.sbd.xml} (the attachment bytes as received: phase4's own reading of the business document drops
 * whitespace and renames prefixes, so it is not what a comparison should use) and {@code <n>.json} (AS4 and SBDH
 * metadata). A failed check answers with an ebMS error, as a Peppol
 * receiver must.
 */
public final class HarnessIncomingProcessor implements IAS4IncomingMessageProcessorSPI
{
  /** Set once by the receive command before the server starts; the SPI is instantiated by phase4's ServiceLoader. */
  static volatile Path outputFolder;
  static volatile TrustedCAChecker apCAChecker;
  private static int counter;

  private static synchronized int nextIndex ()
  {
    return ++counter;
  }

  private static AS4MessageProcessorResult fail (final AS4ErrorList aErrors,
                                                 final EEbmsError eError,
                                                 final String sMessageID,
                                                 final String sDetail)
  {
    System.err.println ("[phase4-harness] rejected " + sMessageID + ": " + sDetail);
    aErrors.add (eError.errorBuilder (Locale.US).refToMessageInError (sMessageID).errorDetail (sDetail).build ());
    return AS4MessageProcessorResult.createFailure ();
  }

  @Override
  public AS4MessageProcessorResult processAS4UserMessage (final IAS4IncomingMessageMetadata aMetadata,
                                                          final HttpHeaderMap aHttpHeaders,
                                                          final Ebms3UserMessage aUserMessage,
                                                          final IPMode aPMode,
                                                          final Node aPayload,
                                                          final ICommonsList <WSS4JAttachment> aAttachments,
                                                          final IAS4IncomingMessageState aState,
                                                          final AS4ErrorList aErrors)
  {
    final String sMessageID = aUserMessage.getMessageInfo ().getMessageId ();
    if (!aState.isSoapDecrypted ())
      return fail (aErrors, EEbmsError.EBMS_FAILED_DECRYPTION, sMessageID, "the message is not encrypted");
    if (!aState.isSoapSignatureChecked ())
      return fail (aErrors, EEbmsError.EBMS_FAILED_AUTHENTICATION, sMessageID, "the message is not signed");

    final X509Certificate aSigningCert = aState.getSigningCertificate ();
    final ECertificateCheckResult eCheck = apCAChecker.checkCertificate (aSigningCert, OffsetDateTime.now ());
    if (eCheck.isInvalid ())
      return fail (aErrors,
                   EEbmsError.EBMS_FAILED_AUTHENTICATION,
                   sMessageID,
                   "signing certificate not accepted: " + eCheck.getReason ());

    if (aAttachments == null || aAttachments.size () != 1)
      return fail (aErrors,
                   EEbmsError.EBMS_OTHER,
                   sMessageID,
                   "a Peppol message has exactly one attachment, not " + (aAttachments == null ? 0 : aAttachments.size ()));

    final WSS4JAttachment aAttachment = aAttachments.getFirstOrNull ();
    final byte [] aSBD;
    try (final InputStream aIS = aAttachment.getSourceStream ())
    {
      aSBD = aIS.readAllBytes ();
    }
    catch (final Exception ex)
    {
      return fail (aErrors, EEbmsError.EBMS_DECOMPRESSION_FAILURE, sMessageID, "unreadable attachment: " + ex);
    }

    final PeppolSBDHData aData;
    try
    {
      aData = new PeppolSBDHDataReader (PeppolIdentifierFactory.INSTANCE).extractData (new ByteArrayInputStream (aSBD));
    }
    catch (final Exception ex)
    {
      return fail (aErrors, EEbmsError.EBMS_OTHER, sMessageID, "not a valid Peppol SBD: " + ex.getMessage ());
    }

    final int nIndex = nextIndex ();
    final Map <String, String> aMeta = new LinkedHashMap <> ();
    aMeta.put ("as4_message_id", sMessageID);
    aMeta.put ("conversation_id", aUserMessage.getCollaborationInfo ().getConversationId ());
    aMeta.put ("service", aUserMessage.getCollaborationInfo ().getServiceValue ());
    aMeta.put ("action", aUserMessage.getCollaborationInfo ().getAction ());
    aMeta.put ("from_party", aUserMessage.getPartyInfo ().getFrom ().getPartyIdAtIndex (0).getValue ());
    aMeta.put ("to_party", aUserMessage.getPartyInfo ().getTo ().getPartyIdAtIndex (0).getValue ());
    aMeta.put ("signing_certificate_subject", aSigningCert.getSubjectX500Principal ().getName ());
    aMeta.put ("compression", aAttachment.getCompressionMode () == null ? null : aAttachment.getCompressionMode ().getID ());
    aMeta.put ("mime_type", aAttachment.getUncompressedMimeType ());
    aMeta.put ("sender", aData.getSenderAsIdentifier ().getURIEncoded ());
    aMeta.put ("receiver", aData.getReceiverAsIdentifier ().getURIEncoded ());
    aMeta.put ("document_type", aData.getDocumentTypeAsIdentifier ().getURIEncoded ());
    aMeta.put ("process", aData.getProcessAsIdentifier ().getURIEncoded ());
    aMeta.put ("instance_identifier", aData.getInstanceIdentifier ());
    aMeta.put ("country_c1", aData.getCountryC1 ());
    try
    {
      Files.write (outputFolder.resolve (nIndex + ".sbd.xml"), aSBD);
      // Written last, under a temporary name: a reader that sees the .json sees the whole message.
      final Path aTmp = outputFolder.resolve (nIndex + ".json.tmp");
      Files.writeString (aTmp, Json.object (aMeta), StandardCharsets.UTF_8);
      Files.move (aTmp, outputFolder.resolve (nIndex + ".json"));
    }
    catch (final IOException ex)
    {
      return fail (aErrors, EEbmsError.EBMS_OTHER, sMessageID, "could not store the message: " + ex);
    }
    System.err.println ("[phase4-harness] received " + sMessageID + " as " + nIndex);
    return AS4MessageProcessorResult.createSuccess ();
  }

  @Override
  public AS4SignalMessageProcessorResult processAS4SignalMessage (final IAS4IncomingMessageMetadata aMetadata,
                                                                  final HttpHeaderMap aHttpHeaders,
                                                                  final Ebms3SignalMessage aSignalMessage,
                                                                  final IPMode aPMode,
                                                                  final IAS4IncomingMessageState aState,
                                                                  final AS4ErrorList aErrors)
  {
    // Peppol uses synchronous receipts only: a signal message pushed to the receiver is not expected.
    return AS4SignalMessageProcessorResult.createSuccess ();
  }

  @Override
  public void processAS4ResponseMessage (final IAS4IncomingMessageMetadata aMetadata,
                                         final IAS4IncomingMessageState aState,
                                         final String sResponseMessageID,
                                         final byte [] aResponseBytes,
                                         final boolean bResponsePayloadIsAvailable,
                                         final AS4ErrorList aErrors)
  {}
}
