package dev.nserv.jetty.supervise;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupervisorMessageTest
{
    @Test
    void servingRoundTrips()
    {
        SupervisorMessage message = SupervisorMessage.serving(4321, 2);
        assertThat(message.line()).isEqualTo("SERVING pid=4321 generation=2");
        assertThat(SupervisorMessage.parse(message.line())).isEqualTo(message);
    }

    @Test
    void handedOffRoundTrips()
    {
        SupervisorMessage message = SupervisorMessage.handedOff(4242, 1, 4321);
        assertThat(message.line()).isEqualTo("HANDED_OFF pid=4242 generation=1 successor=4321");
        assertThat(SupervisorMessage.parse(message.line() + "\r\n".trim())).isEqualTo(message);
    }

    @Test
    void refusesWhatIsNotAMessage()
    {
        assertThatThrownBy(() -> SupervisorMessage.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SupervisorMessage.parse("")).hasMessageContaining("unknown message");
        assertThatThrownBy(() -> SupervisorMessage.parse("HELLO pid=1 generation=1")).hasMessageContaining("unknown message 'HELLO");
        assertThatThrownBy(() -> SupervisorMessage.parse("SERVING pid=x generation=1")).hasMessageContaining("'x' is not a number");
        assertThatThrownBy(() -> SupervisorMessage.parse("SERVING pid=12")).hasMessageContaining("needs pid= and generation=");
        assertThatThrownBy(() -> SupervisorMessage.parse("SERVING pid=12 generation=1 colour=red")).hasMessageContaining("unknown field 'colour'");
        assertThatThrownBy(() -> SupervisorMessage.parse("SERVING pid=12 generation=1 successor=13")).hasMessageContaining("unknown field 'successor'");
        assertThatThrownBy(() -> SupervisorMessage.parse("HANDED_OFF pid=12 generation=1")).hasMessageContaining("needs successor=");
        assertThatThrownBy(() -> SupervisorMessage.parse("SERVING pid12 generation=1")).hasMessageContaining("malformed");
    }
}
