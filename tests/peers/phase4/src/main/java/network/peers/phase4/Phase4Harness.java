package network.peers.phase4;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import com.helger.base.id.factory.GlobalIDFactory;
import com.helger.base.id.factory.MemoryIntIDFactory;
import com.helger.http.EHttpMethod;
import com.helger.peppolid.factory.PeppolIdentifierFactory;
import com.helger.phase4.crypto.AS4CryptoFactoryInMemoryKeyStore;
import com.helger.phase4.crypto.IAS4CryptoFactory;
import com.helger.phase4.ebms3header.Ebms3SignalMessage;
import com.helger.phase4.incoming.AS4ServerInitializer;
import com.helger.phase4.incoming.mgr.AS4ProfileSelector;
import com.helger.phase4.peppol.Phase4PeppolSender;
import com.helger.phase4.profile.peppol.AS4PeppolProfileRegistarSPI;
import com.helger.phase4.sender.EAS4UserMessageSendResult;
import com.helger.phase4.servlet.AS4UnifiedResponse;
import com.helger.phase4.servlet.AS4XServletHandler;
import com.helger.phase4.servlet.IAS4ServletRequestHandlerCustomizer;
import com.helger.phase4.incoming.AS4RequestHandler;
import com.helger.web.scope.IRequestWebScopeWithoutResponse;
import com.helger.scope.mgr.ScopeManager;
import com.helger.security.certificate.TrustedCAChecker;
import com.helger.security.revocation.CertificateRevocationCheckerDefaults;
import com.helger.security.revocation.ERevocationCheckMode;
import com.helger.web.scope.mgr.WebScopeManager;
import com.helger.xservlet.AbstractXServlet;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * A phase4 Peppol AS4 peer on loopback, for interoperability tests.
 *
 * <pre>
 * receive --port P --keystore ap.p12 --truststore trust.p12 --out DIR [--password PW] [--alias A]
 *   a Peppol AS4 receiver at http://127.0.0.1:P/as4; prints one JSON line {"ready":true,"url":…} once listening.
 * send --url URL (--payload doc.xml | --sbd sbd.xml) --sender ID --receiver ID --doctype ID --process ID
 *      --keystore ap.p12 --truststore trust.p12 --receiver-cert cert.pem [--country-c1 CC] [--receipt-out FILE]
 *      [--ap-ca openpeppol]
 *   one Peppol AS4 message to URL (no SML/SMP lookup); prints one JSON line with the outcome. --payload lets phase4
 *   write the SBDH, --sbd sends a ready Standard Business Document as it is.
 * </pre>
 *
 * Trust: both commands trust the AP certificates issued by the CA certificates of the trust store (not the OpenPeppol
 * CAs, which phase4 uses by default), with revocation checking off because a test CA publishes no CRL or OCSP.
 */
public final class Phase4Harness
{
  private Phase4Harness ()
  {}

  public static void main (final String [] args) throws Exception
  {
    if (args.length == 0 || !(args[0].equals ("receive") || args[0].equals ("send")))
      usage ("the first argument is the command: receive or send");
    final Map <String, String> aOpts = options (args);
    // A test CA has no CRL distribution point or OCSP responder: revocation cannot be checked.
    CertificateRevocationCheckerDefaults.setRevocationCheckMode (ERevocationCheckMode.NONE);
    // phase4 asks for persistent ids; the harness keeps nothing between runs, so they live in memory.
    GlobalIDFactory.setPersistentIntIDFactory (new MemoryIntIDFactory ());
    if (args[0].equals ("receive"))
      receive (aOpts);
    else
    {
      // phase4's managers live in a global scope; outside a servlet container the sender opens a plain one.
      ScopeManager.onGlobalBegin ("phase4-harness-send");
      int nExit;
      try
      {
        nExit = send (aOpts);
      }
      finally
      {
        ScopeManager.onGlobalEnd ();
      }
      System.exit (nExit);
    }
  }

  static void usage (final String sProblem)
  {
    System.err.println ("phase4-harness: " + sProblem);
    System.err.println ("usage: receive --port P --keystore F --truststore F --out DIR [--password PW] [--alias A]");
    System.err.println ("       send --url URL (--payload F | --sbd F) --sender ID --receiver ID --doctype ID --process ID");
    System.err.println ("            --keystore F --truststore F --receiver-cert F [--country-c1 CC] [--receipt-out F] [--ap-ca openpeppol]");
    System.exit (2);
  }

  private static Map <String, String> options (final String [] args)
  {
    final Map <String, String> ret = new HashMap <> ();
    for (int i = 1; i < args.length; i += 2)
    {
      if (!args[i].startsWith ("--") || i + 1 >= args.length)
        usage ("expected --name value, got " + args[i]);
      ret.put (args[i].substring (2), args[i + 1]);
    }
    return ret;
  }

  private static String required (final Map <String, String> aOpts, final String sName)
  {
    final String s = aOpts.get (sName);
    if (s == null || s.isEmpty ())
      usage ("--" + sName + " is required");
    return s;
  }

  static KeyStore loadPkcs12 (final String sPath, final char [] aPassword) throws Exception
  {
    final KeyStore ret = KeyStore.getInstance ("PKCS12");
    try (InputStream aIS = Files.newInputStream (Path.of (sPath)))
    {
      ret.load (aIS, aPassword);
    }
    return ret;
  }

  /** The CA certificates of a trust store: the issuers whose AP certificates this peer accepts. */
  static X509Certificate [] trustedCAs (final KeyStore aTrustStore) throws Exception
  {
    final List <X509Certificate> ret = new ArrayList <> ();
    for (final String sAlias : Collections.list (aTrustStore.aliases ()))
      if (aTrustStore.isCertificateEntry (sAlias))
        ret.add ((X509Certificate) aTrustStore.getCertificate (sAlias));
    if (ret.isEmpty ())
      throw new IllegalArgumentException ("the trust store has no trusted certificate entry");
    return ret.toArray (new X509Certificate [0]);
  }

  private static IAS4CryptoFactory cryptoFactory (final Map <String, String> aOpts) throws Exception
  {
    final char [] aPassword = aOpts.getOrDefault ("password", "test").toCharArray ();
    final KeyStore aKeyStore = loadPkcs12 (required (aOpts, "keystore"), aPassword);
    final KeyStore aTrustStore = loadPkcs12 (required (aOpts, "truststore"), aPassword);
    final String sAlias = aOpts.getOrDefault ("alias", "ap");
    if (!aKeyStore.isKeyEntry (sAlias))
      throw new IllegalArgumentException ("the key store has no key entry '" + sAlias + "'");
    return new AS4CryptoFactoryInMemoryKeyStore (aKeyStore, sAlias, aPassword, aTrustStore);
  }

  private static TrustedCAChecker caChecker (final Map <String, String> aOpts) throws Exception
  {
    final char [] aPassword = aOpts.getOrDefault ("password", "test").toCharArray ();
    final KeyStore aTrustStore = loadPkcs12 (required (aOpts, "truststore"), aPassword);
    return new TrustedCAChecker (ERevocationCheckMode.NONE, Duration.ofMinutes (1), 100, trustedCAs (aTrustStore));
  }

  /** phase4-lib's AS4 servlet with this peer's key and trust stores instead of the configuration-file default. */
  public static final class HarnessAS4Servlet extends AbstractXServlet
  {
    /** Set before the server starts: Jetty creates the servlet after the global web scope exists, which it needs. */
    static volatile IAS4CryptoFactory cryptoFactory;

    public HarnessAS4Servlet ()
    {
      final IAS4CryptoFactory aCryptoFactory = cryptoFactory;
      settings ().setMultipartEnabled (false);
      final AS4XServletHandler aHandler = new AS4XServletHandler ();
      aHandler.setRequestHandlerCustomizer (new IAS4ServletRequestHandlerCustomizer ()
      {
        @Override
        public void customizeBeforeHandling (final IRequestWebScopeWithoutResponse aRequestScope,
                                             final AS4UnifiedResponse aUnifiedResponse,
                                             final AS4RequestHandler aRequestHandler)
        {
          aRequestHandler.setCryptoFactory (aCryptoFactory);
        }

        @Override
        public void customizeAfterHandling (final IRequestWebScopeWithoutResponse aRequestScope,
                                            final AS4UnifiedResponse aUnifiedResponse,
                                            final AS4RequestHandler aRequestHandler)
        {}
      });
      handlerRegistry ().registerHandler (EHttpMethod.POST, aHandler);
    }
  }

  private static void receive (final Map <String, String> aOpts) throws Exception
  {
    final int nPort = Integer.parseInt (required (aOpts, "port"));
    final Path aOut = Path.of (required (aOpts, "out"));
    Files.createDirectories (aOut);
    final IAS4CryptoFactory aCF = cryptoFactory (aOpts);
    HarnessIncomingProcessor.outputFolder = aOut;
    HarnessIncomingProcessor.apCAChecker = caChecker (aOpts);
    AS4ProfileSelector.setCustomDefaultAS4ProfileID (AS4PeppolProfileRegistarSPI.AS4_PROFILE_ID);

    final Server aServer = new Server ();
    final ServerConnector aConnector = new ServerConnector (aServer);
    aConnector.setHost ("127.0.0.1");
    aConnector.setPort (nPort);
    aServer.addConnector (aConnector);
    final ServletContextHandler aContext = new ServletContextHandler ();
    aContext.setContextPath ("/");
    aContext.addEventListener (new ServletContextListener ()
    {
      @Override
      public void contextInitialized (final ServletContextEvent aEvent)
      {
        WebScopeManager.onGlobalBegin (aEvent.getServletContext ());
        AS4ServerInitializer.initAS4Server ();
      }

      @Override
      public void contextDestroyed (final ServletContextEvent aEvent)
      {
        AS4ServerInitializer.shutdownAS4Server ();
        WebScopeManager.onGlobalEnd ();
      }
    });
    HarnessAS4Servlet.cryptoFactory = aCF;
    final ServletHolder aHolder = new ServletHolder (HarnessAS4Servlet.class);
    aHolder.setInitOrder (1);
    aContext.addServlet (aHolder, "/as4");
    aServer.setHandler (aContext);
    aServer.setStopAtShutdown (true);
    aServer.start ();
    final Map <String, Object> aReady = new LinkedHashMap <> ();
    aReady.put ("ready", Boolean.TRUE);
    aReady.put ("url", "http://127.0.0.1:" + aConnector.getLocalPort () + "/as4");
    System.out.println (Json.object (aReady));
    System.out.flush ();
    aServer.join ();
  }

  private static int send (final Map <String, String> aOpts) throws Exception
  {
    final PeppolIdentifierFactory aIF = PeppolIdentifierFactory.INSTANCE;
    final String sURL = required (aOpts, "url");
    final X509Certificate aReceiverCert;
    try (InputStream aIS = Files.newInputStream (Path.of (required (aOpts, "receiver-cert"))))
    {
      aReceiverCert = (X509Certificate) CertificateFactory.getInstance ("X.509").generateCertificate (aIS);
    }
    final var aSender = aIF.createParticipantIdentifierWithDefaultScheme (required (aOpts, "sender"));
    final var aReceiver = aIF.createParticipantIdentifierWithDefaultScheme (required (aOpts, "receiver"));
    final var aDocType = aIF.createDocumentTypeIdentifierWithDefaultScheme (required (aOpts, "doctype"));
    final var aProcess = aIF.createProcessIdentifierWithDefaultScheme (required (aOpts, "process"));
    if (aSender == null || aReceiver == null || aDocType == null || aProcess == null)
      usage ("--sender, --receiver, --doctype and --process must be Peppol identifier values");
    final String sCountryC1 = aOpts.getOrDefault ("country-c1", "SE");
    final IAS4CryptoFactory aCF = cryptoFactory (aOpts);
    // --ap-ca openpeppol keeps phase4's default (the OpenPeppol AP CAs): how a production sender would see a test AP.
    final boolean bOpenPeppolCA = "openpeppol".equals (aOpts.get ("ap-ca"));
    final TrustedCAChecker aCAChecker = bOpenPeppolCA ? null : caChecker (aOpts);

    final AtomicReference <Ebms3SignalMessage> aSignal = new AtomicReference <> ();
    final AtomicReference <byte []> aRawResponse = new AtomicReference <> ();
    final AtomicReference <String> aCertCheck = new AtomicReference <> ();
    final EAS4UserMessageSendResult eResult;
    // Chosen here rather than by phase4 so that the outcome line names it even when no receipt comes back.
    final String sMessageID = java.util.UUID.randomUUID () + "@phase4-harness";
    if (aOpts.containsKey ("sbd"))
    {
      final var aBuilder = Phase4PeppolSender.sbdhBuilder ()
                                             .payload (Files.readAllBytes (Path.of (aOpts.get ("sbd"))));
      configure (aBuilder, aSender, aReceiver, aDocType, aProcess, sCountryC1, aCF, aCAChecker, aReceiverCert, sURL, aSignal, aRawResponse, aCertCheck);
      eResult = aBuilder.messageID (sMessageID).sendMessageAndCheckForReceipt ();
    }
    else
    {
      final var aBuilder = Phase4PeppolSender.builder ()
                                             .payload (Files.readAllBytes (Path.of (required (aOpts, "payload"))))
                                             // Business validation is the product's and phive's job, not the transport peer's.
                                             .disableValidation ();
      configure (aBuilder, aSender, aReceiver, aDocType, aProcess, sCountryC1, aCF, aCAChecker, aReceiverCert, sURL, aSignal, aRawResponse, aCertCheck);
      eResult = aBuilder.messageID (sMessageID).sendMessageAndCheckForReceipt ();
    }

    final Map <String, Object> aOut = new LinkedHashMap <> ();
    aOut.put ("result", eResult.getID ());
    aOut.put ("message_id", sMessageID);
    aOut.put ("receiver_certificate_check", aCertCheck.get ());
    final Ebms3SignalMessage aSig = aSignal.get ();
    aOut.put ("receipt", aSig != null && aSig.getReceipt () != null);
    aOut.put ("receipt_ref_to_message_id", aSig == null ? null : aSig.getMessageInfo ().getRefToMessageId ());
    aOut.put ("errors", aSig == null || aSig.getError ().isEmpty () ? null : aSig.getError ().get (0).getErrorDetail ());
    if (aOpts.containsKey ("receipt-out") && aRawResponse.get () != null)
      Files.write (Path.of (aOpts.get ("receipt-out")), aRawResponse.get ());
    System.out.println (Json.object (aOut));
    return eResult.isSuccess () ? 0 : 1;
  }

  private static void configure (final Phase4PeppolSender.AbstractPeppolUserMessageBuilder <?> aBuilder,
                                 final com.helger.peppolid.IParticipantIdentifier aSender,
                                 final com.helger.peppolid.IParticipantIdentifier aReceiver,
                                 final com.helger.peppolid.IDocumentTypeIdentifier aDocType,
                                 final com.helger.peppolid.IProcessIdentifier aProcess,
                                 final String sCountryC1,
                                 final IAS4CryptoFactory aCF,
                                 final TrustedCAChecker aCAChecker,
                                 final X509Certificate aReceiverCert,
                                 final String sURL,
                                 final AtomicReference <Ebms3SignalMessage> aSignal,
                                 final AtomicReference <byte []> aRawResponse,
                                 final AtomicReference <String> aCertCheck)
  {
    aBuilder.senderParticipantID (aSender)
            .receiverParticipantID (aReceiver)
            .documentTypeID (aDocType)
            .processID (aProcess)
            .countryC1 (sCountryC1)
            .cryptoFactory (aCF)
            // C2's party id is its certificate's CN, as phase4 derives C3's from the receiver certificate.
            .senderPartyID (com.helger.security.certificate.CertificateHelper.getSubjectCN (certificateOf (aCF)))
            .checkReceiverAPCertificate (true)
            .certificateConsumer ( (aCert, aCheckDT, eCheckResult) -> aCertCheck.set (eCheckResult.getID ()))
            .receiverEndpointDetails (aReceiverCert, sURL)
            .signalMsgConsumer ( (aSignalMsg, aMeta, aState) -> aSignal.set (aSignalMsg))
            .rawResponseConsumer (aResponse -> aRawResponse.set (aResponse.getResponseContent ()));
    if (aCAChecker != null)
      aBuilder.peppolAP_CAChecker (aCAChecker);
  }

  private static X509Certificate certificateOf (final IAS4CryptoFactory aCF)
  {
    try
    {
      final AS4CryptoFactoryInMemoryKeyStore aInMemory = (AS4CryptoFactoryInMemoryKeyStore) aCF;
      return (X509Certificate) aInMemory.getKeyStore ().getCertificate (aInMemory.getKeyAlias ());
    }
    catch (final Exception ex)
    {
      throw new IllegalStateException ("cannot read the AP certificate from the key store", ex);
    }
  }
}
