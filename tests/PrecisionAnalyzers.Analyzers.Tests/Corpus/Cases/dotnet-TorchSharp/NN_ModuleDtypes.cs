// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/NN.cs (licence: MIT).
// Module tests: a small custom module is halved and moved between devices keeping requires_grad, and a module with custom component names is converted to BF16 to check its state-dict names; nothing is loaded.
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.TorchSharpRepo.NN;

public class TestModule1 : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter test;

    public TestModule1(Tensor tensor, bool withGrad)
        : base(nameof(TestModule1))
    {
        test = new TorchSharp.Modules.Parameter(tensor, withGrad);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => input.matmul(test);
}

public class TestCustomNameModel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _linear1 = Linear(10, 5, hasBias: false);

    public TestCustomNameModel(string name)
        : base(name)
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _linear1.call(input);
}

public class NNTests
{
    public void TestCustomModuleWithMoveAndDisabledGradOnParameter()
    {
        var module = new TestModule1(torch.randn(2, 2), true);
        module.get_parameter("test")!.requires_grad = false;
        module.half(); //~ PREC002 a 2x2 test module, nothing loaded
        if (torch.cuda.is_available())
        {
            module.cuda();
            module.to(torch.CPU, float32);
        }
    }

    public void TestCustomComponentName()
    {
        var model = new TestCustomNameModel("TestCustomNameModel");
        var sd = model.state_dict();
        model = model.to(ScalarType.BFloat16); //~ PREC002 BF16, a test module
        sd = model.state_dict();
    }
}
